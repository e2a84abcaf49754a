// Server-sent events from a fetch body: yields each event's data string
// (multi-line data joined with "\n"). Comments and other fields are skipped.
export async function* sseData(body, signal) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const onAbort = () => reader.cancel().catch(() => {});
  signal?.addEventListener("abort", onAbort);
  let buf = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      for (;;) {
        const m = /\r\n\r\n|\n\n|\r\r/.exec(buf);
        if (!m) break;
        const block = buf.slice(0, m.index);
        buf = buf.slice(m.index + m[0].length);
        const data = dataOf(block);
        if (data !== null) yield data;
      }
    }
    const tail = dataOf(buf);
    if (tail !== null) yield tail;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.releaseLock?.();
  }
}

function dataOf(block) {
  const lines = [];
  for (const line of block.split(/\r\n|\n|\r/)) {
    if (line.startsWith("data:")) lines.push(line.slice(line[5] === " " ? 6 : 5));
  }
  return lines.length ? lines.join("\n") : null;
}

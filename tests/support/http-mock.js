// Plumbing shared by the upstream mocks: a loopback HTTP server that records
// every request (method, URL, headers, raw and parsed body, arrival time).
import { createServer } from "node:http";

// `handle(entry, req, res)` answers; entries are appended to `requests` first.
export async function startRecordingServer(handle) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body = null;
    try {
      body = JSON.parse(raw);
    } catch {}
    const entry = { method: req.method, url: req.url, headers: req.headers, body, raw, at: Date.now() };
    requests.push(entry);
    await handle(entry, req, res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

export function sendJson(res, status, obj, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof obj === "string" ? obj : JSON.stringify(obj));
}

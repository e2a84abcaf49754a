// Soak: a few thousand requests through one workerd isolate, long streams
// among them, and the workerd process's memory before, during and after.
// workerd gives a Worker no heap figures, so the test reads the resident set
// of the workerd process Miniflare started (/proc/<pid>/status).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { startGateway, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockUpstream, openaiStream } from "../support/mock-upstream.js";

const SHORT_REQUESTS = 2000;
const LONG_STREAMS = 24;
const LONG_PARTS = 1600; // ~2.2 KB events: about 3.6 MB per long stream
const CONCURRENCY = 8;
const DEADLINE_MS = 50_000;
// Growth of workerd's resident set (see README, Streams): the long streams
// may not grow it by more than MAX_LONG_STREAMS_GROWTH_MB at any point (a
// stream held whole would take several times its size, per stream at once);
// the short requests by no more than MAX_SHORT_GROWTH_KB each after the run.
const MAX_LONG_STREAMS_GROWTH_MB = 48;
const MAX_SHORT_GROWTH_KB = 64;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function childrenNamed(name) {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      const comm = /^Name:\s+(\S+)/m.exec(status)?.[1];
      if (ppid === process.pid && comm === name) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]) / 1024;
}

test("memory stays flat over thousands of requests with multi-MB streams", { timeout: 90_000 }, async () => {
  const longParts = Array.from({ length: LONG_PARTS }, (_, i) => `${i} `.padEnd(2000, "y"));
  const longSse = openaiStream({ parts: longParts, usage: { prompt_tokens: 9, completion_tokens: 99999 } });
  const longBytes = longSse.reduce((n, s) => n + Buffer.byteLength(s), 0);
  const upstream = await startMockUpstream("openai", (entry) => (entry.body?.max_tokens === 4096 ? { sse: longSse } : undefined));
  const before = new Set(childrenNamed("workerd"));
  const gw = await startGateway({ upstreams: { openai: upstream.url + "/v1" } });
  try {
    const [pid] = childrenNamed("workerd").filter((p) => !before.has(p));
    assert.ok(pid, "found the workerd process");
    await gw.addCredential("openai", "sk-proj-soakkey0123456789", { validate: false });

    const call = async (kind) => {
      const body = { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };
      if (kind !== "plain") body.stream = true;
      if (kind === "long") body.max_tokens = 4096;
      const res = await gw
        .fetch("/v1/chat/completions", {
          method: "POST",
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        })
        .catch((err) => {
          throw new Error(`${kind} request failed after ${done} requests: ${err.cause?.code ?? ""} ${err.cause?.message ?? err.message}`);
        });
      assert.equal(res.status, 200);
      // Read as it comes and keep only the size and the tail.
      let size = 0;
      let tail = "";
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        size += chunk.length;
        tail = (tail + decoder.decode(chunk, { stream: true })).slice(-64);
      }
      if (kind === "long") {
        assert.equal(size, longBytes, "a long stream arrives whole");
        assert.ok(tail.endsWith("data: [DONE]\n\n"));
      }
      return size;
    };

    // Warm up (compile, caches, D1), then let the isolate settle.
    for (let i = 0; i < 20; i++) await call(i % 2 ? "plain" : "stream");
    await Promise.all([call("long"), call("long")]);
    await sleep(1500);
    const startMb = rssMb(pid);

    // Phase 1: the long streams, CONCURRENCY at a time. Phase 2: thousands of
    // short requests, streamed and not. RSS is sampled every 100 ms.
    let peakMb = startMb;
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(pid))), 100);
    const t0 = Date.now();
    let done = 0;
    const run = (queue) =>
      Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (queue.length && Date.now() - t0 < DEADLINE_MS) {
            await call(queue.shift());
            done++;
          }
        }),
      );
    let longPeakMb, longEndMb, endMb;
    try {
      await run(Array(LONG_STREAMS).fill("long"));
      await sleep(1000);
      longEndMb = rssMb(pid);
      longPeakMb = Math.max(peakMb, longEndMb);
      await run(Array.from({ length: SHORT_REQUESTS }, (_, i) => (i % 2 ? "plain" : "stream")));
    } finally {
      clearInterval(sampler);
    }
    const total = SHORT_REQUESTS + LONG_STREAMS;
    const elapsed = Date.now() - t0;
    await sleep(2000);
    endMb = rssMb(pid);
    console.log(
      `soak: ${done} of ${total} requests in ${elapsed} ms; workerd RSS ${startMb.toFixed(1)} MB before; ` +
        `${LONG_STREAMS} streams of ${(longBytes / 1e6).toFixed(1)} MB: ${longPeakMb.toFixed(1)} MB peak, ${longEndMb.toFixed(1)} MB after; ` +
        `then ${SHORT_REQUESTS} short requests: ${Math.max(peakMb, endMb).toFixed(1)} MB peak, ${endMb.toFixed(1)} MB after`,
    );
    assert.equal(done, total, `all ${total} requests done within ${DEADLINE_MS} ms`);
    assert.ok(longPeakMb - startMb < MAX_LONG_STREAMS_GROWTH_MB, `long streams: peak growth ${(longPeakMb - startMb).toFixed(1)} MB < ${MAX_LONG_STREAMS_GROWTH_MB} MB`);
    const perRequestKb = ((endMb - longEndMb) * 1024) / SHORT_REQUESTS;
    assert.ok(perRequestKb < MAX_SHORT_GROWTH_KB, `short requests: ${perRequestKb.toFixed(1)} KB of growth per request < ${MAX_SHORT_GROWTH_KB} KB`);
    // Each long stream was metered once, from its own usage.
    const rows = await gw.waitForRows("SELECT id FROM request_logs WHERE output_tokens = 99999", LONG_STREAMS + 2, 10_000);
    assert.equal(rows.length, LONG_STREAMS + 2);
  } finally {
    await gw.close();
    await upstream.close();
  }
});

// The CPU time of the calling thread, to the nanosecond: what the platform
// bills a request or a cron run for is the isolate's own thread, while
// `process.cpuUsage()` also counts V8's background threads (the optimising
// compiler tiering wasm up, concurrent GC), which made single runs read 3–5×
// their usual cost. Node 20 has no `process.threadCpuUsage()`; its WASI
// implementation reads CLOCK_THREAD_CPUTIME_ID for WASI's thread clock, so a
// 100-byte module that asks for it is the clock.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

const utf8 = (s) => [s.length, ...new TextEncoder().encode(s)];
const section = (id, bytes) => [id, bytes.length, ...bytes];
const I32 = 0x7f, I64 = 0x7e;

// (module
//   (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
//   (memory (export "memory") 1)
//   (func (export "now") (result i64)
//     (drop (call $clock (i32.const 3) (i64.const 1) (i32.const 0)))  ;; 3: the thread's CPU clock
//     (i64.load (i32.const 0))))
const THREAD_CPUTIME = 3;
const body = [0, 0x41, THREAD_CPUTIME, 0x42, 1, 0x41, 0, 0x10, 0, 0x1a, 0x41, 0, 0x29, 3, 0, 0x0b];
const moduleBytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
  ...section(1, [2, 0x60, 3, I32, I64, I32, 1, I32, 0x60, 0, 1, I64]),
  ...section(2, [1, ...utf8("wasi_snapshot_preview1"), ...utf8("clock_time_get"), 0, 0]),
  ...section(3, [1, 1]),
  ...section(5, [1, 0, 1]),
  ...section(7, [2, ...utf8("memory"), 2, 0, ...utf8("now"), 0, 1]),
  ...section(10, [1, body.length, ...body]),
]);

let clock = null;
function nowNs() {
  if (!clock) {
    // node:wasi warns on load that it is experimental; the clock is all that is used of it.
    const emitWarning = process.emitWarning;
    process.emitWarning = () => {};
    let wasi;
    try {
      const { WASI } = createRequire(import.meta.url)("node:wasi");
      wasi = new WASI({ version: "preview1" });
    } finally {
      process.emitWarning = emitWarning;
    }
    const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes), wasi.getImportObject());
    wasi.initialize(instance);
    clock = instance.exports.now;
  }
  return clock();
}

export const threadCpuMs = () => Number(nowNs()) / 1e6;

// The process's CPU (every thread), beside the thread's.
export function processCpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

// The CPU `fn` takes on this thread, and the process's.
export function timedCpu(fn) {
  const t0 = threadCpuMs(), p0 = processCpuMs();
  fn();
  return { cpu: threadCpuMs() - t0, processCpu: processCpuMs() - p0 };
}

// Of timedCpu results: the thread's CPU at p50, p99 and max, and the
// process's (V8's background threads included) at p50 and max.
export function cpuSummary(rs) {
  const at = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
  const thread = rs.map((r) => r.cpu), all = rs.map((r) => r.processCpu);
  return { runs: rs.length, medianMs: at(thread, 0.5), p99Ms: at(thread, 0.99), maxMs: Math.max(...thread),
           processMedianMs: at(all, 0.5), processMaxMs: Math.max(...all) };
}

// The clock must count this thread's work and nothing else: a 20 ms spin
// here reads about 20 ms, and waiting 50 ms while another thread spins reads
// next to nothing. A wall clock, a process clock or a coarse one fails here.
export function checkThreadClock() {
  const spin = (ms) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };
  spin(5); // the clock's first call instantiates it
  const t0 = threadCpuMs();
  spin(20);
  const spun = threadCpuMs() - t0;
  const done = new Int32Array(new SharedArrayBuffer(4));
  const other = new Worker(
    `const { workerData } = require("node:worker_threads");
     const end = performance.now() + 40; while (performance.now() < end);
     Atomics.store(workerData, 0, 1); Atomics.notify(workerData, 0);`,
    { eval: true, workerData: done },
  );
  const t1 = threadCpuMs();
  Atomics.wait(done, 0, 0, 5000);
  const waited = threadCpuMs() - t1;
  other.terminate();
  const resolution = [0, 1, 2].map(() => -(threadCpuMs() - threadCpuMs()));
  if (!(spun > 10 && spun < 30) || !(waited < 5) || !resolution.every((d) => d < 0.5))
    throw new Error(`the thread CPU clock is not one: a 20 ms spin read ${spun} ms, waiting for another thread's 40 ms spin ${waited} ms, back-to-back reads ${resolution} ms apart`);
  return { spunMs: spun, waitedMs: waited };
}

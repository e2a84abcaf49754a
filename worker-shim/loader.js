// Instantiates keyaos.wasm (a standalone module: its only imports are the few
// WASI calls the C++ runtime links) and moves bytes in and out of its memory.
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Thrown for calls on an instance that has already failed.
export class EngineBrokenError extends Error {}

export class WasmEngine {
  constructor(module) {
    // Set once any call throws (a trap, a host stack overflow): the instance's
    // memory and stack pointer may be left mid-operation, so it is never used again.
    this.broken = false;
    const self = this;
    const wasi = {
      // The core has no filesystem or stdout; these exist only to satisfy libc.
      fd_write: () => 0,
      fd_close: () => 0,
      fd_seek: () => 0,
      fd_read: () => 0,
      environ_sizes_get: (countPtr, sizePtr) => {
        const view = new DataView(self.exports.memory.buffer);
        view.setUint32(countPtr, 0, true);
        view.setUint32(sizePtr, 0, true);
        return 0;
      },
      environ_get: () => 0,
      clock_time_get: () => 0,
      random_get: () => 0,
      proc_exit: (code) => {
        throw new Error(`keyaos engine exited with code ${code}`);
      },
    };
    // Memory growth detaches old views; they are recreated on every read.
    const env = { emscripten_notify_memory_growth: () => {} };
    this.instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi, env });
    this.exports = this.instance.exports;
    if (this.exports._initialize) this.exports._initialize();
  }

  #guard(fn) {
    if (this.broken) throw new EngineBrokenError("keyaos engine instance was discarded after a failure");
    try {
      return fn();
    } catch (err) {
      this.broken = true;
      throw err;
    }
  }

  // Copies bytes into wasm memory; the caller frees the returned pointer.
  #copyIn(bytes) {
    if (!bytes || bytes.length === 0) return [0, 0];
    const ptr = this.exports.kx_alloc(bytes.length);
    new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  }

  #output() {
    const ptr = this.exports.kx_out_ptr();
    const len = this.exports.kx_out_len();
    // A fresh view: memory may have grown during the call.
    return new Uint8Array(this.exports.memory.buffer, ptr, len).slice();
  }

  init(config) {
    const [rc, message] = this.#guard(() => {
      const [ptr, len] = this.#copyIn(encoder.encode(JSON.stringify(config)));
      const code = this.exports.kx_init(ptr, len);
      if (ptr) this.exports.kx_free(ptr);
      return [code, code !== 0 ? decoder.decode(this.#output()) : ""];
    });
    if (rc !== 0) throw new Error(`keyaos engine rejected its configuration: ${message}`);
  }

  open() {
    return this.#guard(() => this.exports.kx_open());
  }

  // Marks a request as alive while its stream is relayed without engine steps.
  touch(handle, now) {
    if (!this.broken) this.#guard(() => this.exports.kx_touch(handle, now));
  }

  // A no-op on a discarded instance: its requests are gone with it.
  close(handle) {
    if (!this.broken) this.#guard(() => this.exports.kx_close(handle));
  }

  // The paths the engine answers, from its route table: {prefixes: [...], paths: [...]}.
  paths() {
    return this.#guard(() => {
      this.exports.kx_paths();
      return JSON.parse(decoder.decode(this.#output()));
    });
  }

  openCount() {
    return this.#guard(() => this.exports.kx_open_count());
  }

  // A committed stream's upstream chunk, with no event or action to encode:
  // the bytes for the client, or null when the engine wants the chunk as an
  // upstream_chunk event through step() instead.
  chunk(handle, now, bytes) {
    return this.#guard(() => {
      const ptr = this.exports.kx_chunk_buffer(bytes.length);
      new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
      return this.exports.kx_chunk(handle, now, bytes.length) ? this.#output() : null;
    });
  }

  // Sends one event; returns { head, payload } of the action to perform.
  step(handle, event, payload) {
    return this.#guard(() => {
      const [eptr, elen] = this.#copyIn(encoder.encode(JSON.stringify(event)));
      const bytes = payload instanceof Uint8Array ? payload : payload ? encoder.encode(payload) : null;
      const [pptr, plen] = this.#copyIn(bytes);
      this.exports.kx_step(handle, eptr, elen, pptr, plen);
      if (eptr) this.exports.kx_free(eptr);
      if (pptr) this.exports.kx_free(pptr);
      const out = this.#output();
      const headLen = new DataView(out.buffer, out.byteOffset, 4).getUint32(0, true);
      const head = JSON.parse(decoder.decode(out.subarray(4, 4 + headLen)));
      return { head, payload: out.subarray(4 + headLen) };
    });
  }
}

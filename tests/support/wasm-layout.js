// Reads the memory layout of a wasm module from its binary: the initial
// values of its globals and the offsets of its active data segments. The
// stack pointer of an Emscripten module is its first mutable i32 global.

function reader(bytes) {
  let pos = 0;
  const r = {
    get pos() { return pos; },
    set pos(p) { pos = p; },
    byte: () => bytes[pos++],
    u32() {
      let result = 0, shift = 0, b;
      do { b = bytes[pos++]; result |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      return result >>> 0;
    },
    s32() {
      let result = 0, shift = 0, b;
      do { b = bytes[pos++]; result |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      if (shift < 32 && b & 0x40) result |= -1 << shift;
      return result | 0;
    },
    skip(n) { pos += n; },
  };
  return r;
}

// A constant expression: i32.const N end (the only form these modules use).
function constExpr(r) {
  const op = r.byte();
  let value = null;
  if (op === 0x41) value = r.s32();
  else if (op === 0x42) { while (r.byte() & 0x80); }
  else if (op === 0x43) r.skip(4);
  else if (op === 0x44) r.skip(8);
  else if (op === 0x23) r.u32();
  else throw new Error(`unsupported constant expression opcode 0x${op.toString(16)}`);
  if (r.byte() !== 0x0b) throw new Error("constant expression does not end");
  return value;
}

export function wasmLayout(bytes) {
  const r = reader(bytes);
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new Error("not a wasm module");
  r.pos = 8;
  const globals = [];
  const data = [];
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 6) {
      for (let n = r.u32(); n > 0; n--) {
        const type = r.byte();
        const mutable = r.byte() === 1;
        globals.push({ type, mutable, init: constExpr(r) });
      }
    } else if (id === 11) {
      for (let n = r.u32(); n > 0; n--) {
        const flags = r.u32();
        if (flags === 1) { r.skip(r.u32()); continue; }  // passive
        if (flags === 2) r.u32();
        const offset = constExpr(r);
        const length = r.u32();
        r.skip(length);
        data.push({ offset, length });
      }
    }
    r.pos = end;
  }
  const sp = globals.find((g) => g.type === 0x7f && g.mutable);
  return {
    globals,
    data,
    stackTop: sp ? sp.init : null,
    dataStart: data.length ? Math.min(...data.map((d) => d.offset)) : null,
    dataEnd: data.length ? Math.max(...data.map((d) => d.offset + d.length)) : null,
  };
}

// The committed module keeps its stack below its data (wasm-ld --stack-first),
// so a stack overflow runs off address 0 and traps instead of overwriting
// static data or the heap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../support/gateway.js";
import { wasmLayout } from "../support/wasm-layout.js";
import { WasmEngine } from "../../worker-shim/loader.js";

const bytes = readFileSync(join(root, "worker-shim", "keyaos.wasm"));

test("keyaos.wasm places the stack first: every data segment starts above the stack's top", () => {
  const layout = wasmLayout(bytes);
  assert.ok(layout.stackTop > 0, "the module has a stack pointer global");
  assert.ok(layout.data.length > 0, "the module has data segments");
  assert.ok(layout.dataStart >= layout.stackTop, `data starts at ${layout.dataStart}, stack top at ${layout.stackTop}`);
});

test("the running instance's stack pointer starts at that top", () => {
  const engine = new WasmEngine(new WebAssembly.Module(bytes));
  assert.equal(engine.exports.stackSave(), wasmLayout(bytes).stackTop);
});

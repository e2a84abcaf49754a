// The reproducibility check's comparison: a module that differs in one byte
// fails it, and the committed module is only read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { committedWasm, compareModules, differences } from "../../scripts/build.js";

test("a copy of the committed module passes; the same copy with one byte flipped fails", () => {
  const dir = mkdtempSync(join(tmpdir(), "keyaos-check-"));
  const mtime = statSync(committedWasm).mtimeMs;
  try {
    const bytes = readFileSync(committedWasm);
    writeFileSync(join(dir, "same.wasm"), bytes);
    assert.equal(compareModules(join(dir, "same.wasm"), "copy"), true);
    const flipped = Buffer.from(bytes);
    const at = Math.floor(flipped.length / 2);
    flipped[at] ^= 0x01;
    writeFileSync(join(dir, "flipped.wasm"), flipped);
    assert.equal(compareModules(join(dir, "flipped.wasm"), "flipped copy"), false);
    assert.deepEqual(differences(flipped, bytes), [at]);
    assert.equal(compareModules(join(dir, "same.wasm"), "copy vs flipped", join(dir, "flipped.wasm")), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(statSync(committedWasm).mtimeMs, mtime, "the committed module was not written");
});

// The host protocol is written down once, in wasm/core/io.h, and its codec
// is wasm/core/io.cpp. Both sides must name the same events and actions:
// the header's lists, the engine's codec, the events the Worker shim sends
// and the actions it performs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const read = (path) => readFileSync(`${root}/${path}`, "utf8");

// JavaScript or C++ without its comments (string contents kept).
export function withoutComments(source) {
  let out = "";
  for (let i = 0; i < source.length; ) {
    const c = source[i];
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === "\\" ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else if (source.startsWith("//", i)) {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (source.startsWith("/*", i)) {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// The names of a "// events:" or "// actions:" list of the header comment.
export function documented(header, label) {
  const lines = header.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`// ${label}:`));
  assert.ok(start >= 0, `io.h lists no ${label}`);
  let text = lines[start].slice(`// ${label}:`.length);
  for (let i = start + 1; i < lines.length && /^\/\/\s+\|/.test(lines[i]); i++) text += lines[i].slice(2);
  return new Set(text.split("|").map((s) => s.trim()).filter(Boolean));
}

// The names of a codec table: {EventType::x, "x"} rows.
export function codec(source, enumName) {
  const names = new Set();
  for (const m of source.matchAll(new RegExp(`\\{${enumName}::(\\w+), "(\\w+)"\\}`, "g"))) {
    assert.equal(m[1], m[2], `${enumName}::${m[1]} is spelled "${m[2]}" on the wire`);
    names.add(m[2]);
  }
  return names;
}

// Events the shim sends: every `type: "x"` object literal in its code.
export function shimEvents(shim) {
  return new Set([...withoutComments(shim).matchAll(/\btype: "(\w+)"/g)].map((m) => m[1]));
}

// Actions the shim performs: its action switch's cases, and the actions it
// expects of a committed stream (streamAction(…, "x")).
export function shimActions(shim) {
  const code = withoutComments(shim);
  const cases = [...code.matchAll(/\bcase "(\w+)":/g)].map((m) => m[1]);
  const stream = [...code.matchAll(/streamAction\([^\n]*, "(\w+)"\)/g)].map((m) => m[1]);
  return new Set([...cases, ...stream]);
}

const sorted = (set) => [...set].sort();

test("io.h lists exactly the events and actions of the engine's codec", () => {
  const header = read("wasm/core/io.h");
  const source = read("wasm/core/io.cpp");
  const events = codec(source, "EventType");
  const actions = codec(source, "ActionType");
  assert.ok(events.size >= 10 && actions.size >= 10, "the codec tables were not found");
  assert.deepEqual(sorted(documented(header, "events")), sorted(events));
  assert.deepEqual(sorted(documented(header, "actions")), sorted(actions));
});

test("the Worker shim sends only protocol events and performs every protocol action", () => {
  const shim = read("worker-shim/index.js");
  const source = read("wasm/core/io.cpp");
  assert.deepEqual(sorted(shimEvents(shim)), sorted(codec(source, "EventType")));
  assert.deepEqual(sorted(shimActions(shim)), sorted(codec(source, "ActionType")));
});

test("the readers see through comments and find a missing or extra name", () => {
  const shim = `
    // { type: "commented_out" }
    switch (head.type) { case "sql": break; case "fetch": break; }
    send(streamAction(eng.step(h, { type: "keepalive", now }, null), "write").payload);
    return { type: "rows", results: [] };`;
  assert.deepEqual(sorted(shimEvents(shim)), ["keepalive", "rows"]);
  assert.deepEqual(sorted(shimActions(shim)), ["fetch", "sql", "write"]);
  const header = "// events:  a | b\n//          | c\n// actions: x\n";
  assert.deepEqual(sorted(documented(header, "events")), ["a", "b", "c"]);
  assert.deepEqual(sorted(documented(header, "actions")), ["x"]);
  assert.throws(() => codec('{EventType::rows, "row"}', "EventType"));
});

// SQL is written in wasm/store/ only: no string literal elsewhere under wasm/
// reads like SQL. Adjacent literals ("SELECT a " "FROM t") are read as one,
// as the compiler joins them; comments are skipped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const wasm = join(root, "wasm");
const store = join(wasm, "store");

// Upper-case SQL as the engine writes it; HTTP methods and prose do not match.
const SQL_PATTERNS = [
  /\bSELECT\s+(DISTINCT\s+)?[\w*(?]/,
  /\bINSERT\s+(OR\s+\w+\s+)?INTO\b/,
  /\bUPDATE\s+\w+\s+SET\b/,
  /\bDELETE\s+FROM\b/,
  /\bCREATE\s+(TABLE|INDEX|UNIQUE|VIEW|TRIGGER|VIRTUAL)\b/,
  /\bPRAGMA\s+\w/,
  /\bWITH\s+(RECURSIVE\s+)?\w+\s*(\([^)]*\)\s*)?AS\s*\(/,
  /\bFROM\s+\w+(\s+\w+)?\s+(WHERE|JOIN|ORDER BY|GROUP BY|LIMIT)\b/,
  /\b(WHERE|AND|OR)\s+[\w.]+\s*(=|<>|!=|<=|>=|<|>|\bIN\b|\bLIKE\b|\bIS\b)\s*(\?|\(|'|\w)/,
  /\bON CONFLICT\b/,
  /\bRETURNING\s+\w/,
  /\b(ORDER|GROUP) BY\s+\w/,
  /\bVALUES\s*\(/,
];

export function looksLikeSql(text) {
  return SQL_PATTERNS.some((p) => p.test(text));
}

// The string literals of a C++ source, adjacent ones joined, with their line.
export function stringLiterals(source) {
  const out = [];
  let i = 0;
  let line = 1;
  let last = null; // the literal being joined, and where it ended
  const push = (text, at, start) => {
    if (last && /^\s*$/.test(source.slice(last.end, start))) {
      last.text += text;
      last.end = i;
    } else {
      last = { text, line: at, end: i };
      out.push(last);
    }
  };
  while (i < source.length) {
    const c = source[i];
    if (c === "\n") line++;
    if (c === "/" && source[i + 1] === "/") {
      while (i < source.length && source[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      for (let j = i; j < stop; j++) if (source[j] === "\n") line++;
      i = stop;
      continue;
    }
    if (c === "R" && source[i + 1] === '"' && !/\w/.test(source[i - 1] || "")) {
      const open = source.indexOf("(", i + 2);
      const delim = source.slice(i + 2, open);
      const close = source.indexOf(`)${delim}"`, open);
      const start = i;
      const at = line;
      const text = source.slice(open + 1, close < 0 ? source.length : close);
      for (const ch of text) if (ch === "\n") line++;
      i = close < 0 ? source.length : close + delim.length + 2;
      push(text, at, start);
      continue;
    }
    if (c === "'") {
      // A character literal ('"', '\''); a digit separator (1'000) is one quote only.
      if (/\w/.test(source[i - 1] || "") && /\w/.test(source[i + 1] || "")) {
        i++;
        continue;
      }
      i += source[i + 1] === "\\" ? 4 : 3;
      continue;
    }
    if (c === '"') {
      const start = i;
      let text = "";
      i++;
      while (i < source.length && source[i] !== '"') {
        if (source[i] === "\\") {
          text += source.slice(i, i + 2);
          i += 2;
        } else {
          text += source[i++];
        }
      }
      i++;
      push(text, line, start);
      continue;
    }
    i++;
  }
  return out;
}

function sources(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== store) files.push(...sources(path));
    } else if (/\.(cpp|h)$/.test(entry.name)) {
      files.push(path);
    }
  }
  return files;
}

export function sqlOutsideStore() {
  const found = [];
  for (const file of sources(wasm))
    for (const literal of stringLiterals(readFileSync(file, "utf8")))
      if (looksLikeSql(literal.text)) found.push(`${relative(root, file).split(sep).join("/")}:${literal.line}: ${literal.text.slice(0, 120)}`);
  return found;
}

test("the SQL check finds statements, whole or split over literals, and passes prose and HTTP methods", () => {
  const sql = [
    'Statement s; s.sql = "SELECT key, value FROM meta WHERE key = ?";',
    'const char* k = "SELECT id, name "\n    "FROM api_keys";',
    's.sql = "INSERT OR IGNORE INTO request_logs (id) VALUES (?)";',
    's.sql = "UPDATE credentials SET health = \'dead\'";',
    'x = "DELETE FROM cooldowns";',
    'x = " WHERE owner_id = ?";',
    'x = R"(CREATE TABLE t (a))";',
    'x = "PRAGMA foreign_keys";',
    'x = "WITH recent AS (SELECT 1)";',
    'x = " ORDER BY created_at";',
    'x = " AND provider_id = ?";',
  ];
  for (const snippet of sql) assert.ok(stringLiterals(snippet).some((l) => looksLikeSql(l.text)), snippet);
  const prose = [
    'error("Use GET, PATCH or DELETE on /api/credentials/{id}.");',
    'if (req.method == "DELETE") return remove(id);',
    'msg = "Select a model from the catalogue, or update the key.";',
    '// s.sql = "SELECT 1 FROM t WHERE a = ?";',
    "/* UPDATE t SET a = 1 */ x = 'a';",
    'json = R"({"model":"gpt-4o-mini","messages":[]})";',
    "n = 1'000'000; s = \"a\";",
  ];
  for (const snippet of prose) assert.ok(!stringLiterals(snippet).some((l) => looksLikeSql(l.text)), snippet);
  // Lines are counted across comments and raw strings.
  assert.deepEqual(stringLiterals('/* a\nb */ R"(x\ny)";\n"SELECT a FROM t WHERE b = ?"').map((l) => l.line), [2, 4]);
});

test("no SQL is written outside wasm/store/", () => {
  // The walk reads real sources: the repositories themselves are full of SQL.
  const inStore = sources(store).filter((f) => stringLiterals(readFileSync(f, "utf8")).some((l) => looksLikeSql(l.text)));
  assert.ok(inStore.length >= 10, `SQL found in ${inStore.length} files of wasm/store/`);
  assert.deepEqual(sqlOutsideStore(), []);
});

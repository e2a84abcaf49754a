// /api/logs paging: rows that share a millisecond are each returned exactly
// once, in order, when following next_cursor, with filters kept.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startGateway } from "../support/gateway.js";

let gw;
const ROWS = 403;
const BASE = 1_760_000_000_000;

before(async () => {
  gw = await startGateway();
  // Log rows as the ledger writes them; up to 9 share each millisecond.
  const statements = [];
  for (let i = 0; i < ROWS; i++) {
    const id = "req_" + randomBytes(16).toString("hex");
    const model = i % 3 === 0 ? "openai/gpt-4o" : "openai/gpt-4o-mini";
    statements.push(
      gw.db
        .prepare("INSERT INTO request_logs (id, owner_id, model_id, provider_id, status, http_status, created_at) VALUES (?, 'self', ?, 'openai', 'ok', 200, ?)")
        .bind(id, model, BASE + Math.floor(i / 9)),
    );
  }
  for (let i = 0; i < statements.length; i += 100) await gw.db.batch(statements.slice(i, i + 100));
});

after(async () => {
  await gw?.close();
});

async function pageAll(query, limit) {
  const seen = [];
  let cursor = null;
  for (let pages = 0; pages < 1000; pages++) {
    const res = await gw.api("GET", `/api/logs?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    assert.equal(res.status, 200, res.text);
    assert.ok(res.json.data.length <= limit);
    seen.push(...res.json.data.map((r) => r.id));
    if (!res.json.has_more) {
      assert.equal(res.json.next_cursor, null);
      return seen;
    }
    assert.equal(typeof res.json.next_cursor, "string");
    cursor = res.json.next_cursor;
  }
  throw new Error("paging did not end");
}

const expected = async (where = "") =>
  (await gw.db.prepare(`SELECT id FROM request_logs WHERE owner_id = 'self' ${where} ORDER BY created_at DESC, id DESC`).all()).results.map((r) => r.id);

test("following next_cursor returns every row exactly once, newest first, across shared milliseconds", async () => {
  const all = await expected();
  assert.equal(all.length, ROWS);
  for (const limit of [1, 7, 10, 50]) {
    const seen = await pageAll("", limit);
    assert.equal(new Set(seen).size, seen.length, `limit ${limit}: no row twice`);
    assert.deepEqual(seen, all, `limit ${limit}: every row, in order`);
  }
});

test("the cursor keeps filters: a model's rows are each returned once", async () => {
  const seen = await pageAll("&model=openai%2Fgpt-4o", 8);
  assert.deepEqual(seen, await expected("AND model_id = 'openai/gpt-4o'"));
  assert.equal(seen.length, Math.ceil(ROWS / 3));
});

test("`before` still pages by created_at for older clients; a bad cursor is a 400", async () => {
  const res = await gw.api("GET", `/api/logs?limit=200&before=${BASE + 2}`);
  assert.equal(res.status, 200);
  assert.deepEqual(res.json.data.map((r) => r.id), await expected(`AND created_at < ${BASE + 2}`));
  for (const bad of ["not a cursor!", "MTIz", "OmFiYw"]) {
    const r = await gw.api("GET", `/api/logs?cursor=${encodeURIComponent(bad)}`);
    assert.equal(r.status, 400, bad);
    assert.equal(r.json.error.code, "invalid_cursor");
    assert.equal(r.json.error.param, "cursor");
    assert.equal(r.json.error.type, "invalid_request_error");
  }
});

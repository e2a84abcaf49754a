// scripts/deploy.js on a fork whose wrangler.toml names its D1 database but
// has no database_id yet: the id found or created is written into that binding.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { d1Binding, withDatabaseId } from "../../scripts/deploy.js";
import { root } from "../../scripts/lib.js";

const committed = readFileSync(join(root, "wrangler.toml"), "utf8");

test("the committed wrangler.toml binds DB by name only, so a fork gets its own database", () => {
  const db = d1Binding(committed);
  assert.ok(db, "a [[d1_databases]] entry with binding DB");
  assert.equal(db.fields.database_name, "keyaos-db");
  assert.equal(db.fields.migrations_dir, "migrations");
  assert.equal(db.fields.database_id, undefined);
});

test("database_id is written into the DB binding and nowhere else", () => {
  const id = "0b4d6a3e-1111-4222-8333-944445555666";
  const patched = withDatabaseId(committed, id);
  assert.equal(d1Binding(patched).fields.database_id, id);
  assert.equal(d1Binding(patched).fields.database_name, "keyaos-db");
  // Everything else is unchanged: one added line.
  const before = committed.split("\n");
  const after = patched.split("\n");
  assert.equal(after.length, before.length + 1);
  assert.deepEqual(after.filter((l) => !l.startsWith("database_id")), before);
  // Writing again replaces the id instead of adding a second one.
  const again = withDatabaseId(patched, "ffffffff-0000-4000-8000-000000000000");
  assert.equal(again.split("\n").length, after.length);
  assert.equal(d1Binding(again).fields.database_id, "ffffffff-0000-4000-8000-000000000000");
});

test("another binding's table is left alone", () => {
  const toml = `name = "x"\n\n[[d1_databases]]\nbinding = "OTHER"\ndatabase_name = "other"\n\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "mine"\n\n[triggers]\ncrons = ["17 * * * *"]\n`;
  const patched = withDatabaseId(toml, "abc");
  assert.equal(d1Binding(patched, "OTHER").fields.database_id, undefined);
  assert.equal(d1Binding(patched).fields.database_id, "abc");
  assert.match(patched, /\[triggers\]\ncrons/);
  assert.throws(() => withDatabaseId(`name = "x"\n`, "abc"), /no \[\[d1_databases\]\] entry with binding = "DB"/);
});

// Deploys to Cloudflare: the D1 database (found by name, or created on a
// first deploy), its migrations, then the Worker, so new code never meets an
// old schema. Uses the committed keyaos.wasm: no C++ toolchain is needed.
// The Deploy to Cloudflare button provisions the database itself and then
// runs this same script (`npm run deploy`).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { capture, root, run } from "./lib.js";

export const BINDING = "DB";
const configPath = join(root, "wrangler.toml");

// The [[d1_databases]] table of `binding` in a wrangler.toml: its line range and fields.
export function d1Binding(toml, binding = BINDING) {
  const lines = toml.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "[[d1_databases]]") continue;
    let end = i + 1;
    while (end < lines.length && !lines[end].trim().startsWith("[")) end++;
    const fields = {};
    for (const line of lines.slice(i + 1, end)) {
      const m = line.match(/^\s*([A-Za-z_]+)\s*=\s*"([^"]*)"/);
      if (m) fields[m[1]] = m[2];
    }
    if (fields.binding === binding) return { start: i, end, fields };
  }
  return null;
}

// The same wrangler.toml with `database_id` set in the binding's table.
export function withDatabaseId(toml, id, binding = BINDING) {
  const found = d1Binding(toml, binding);
  if (!found) throw new Error(`wrangler.toml has no [[d1_databases]] entry with binding = "${binding}"`);
  const lines = toml.split("\n");
  const block = lines.slice(found.start + 1, found.end);
  const at = block.findIndex((l) => /^\s*database_id\s*=/.test(l));
  if (at >= 0) block[at] = `database_id = "${id}"`;
  else {
    const name = block.findIndex((l) => /^\s*database_name\s*=/.test(l));
    block.splice(name >= 0 ? name + 1 : 0, 0, `database_id = "${id}"`);
  }
  return [...lines.slice(0, found.start + 1), ...block, ...lines.slice(found.end)].join("\n");
}

function databasesByName() {
  const list = JSON.parse(capture("npx wrangler d1 list --json"));
  return new Map(list.map((db) => [db.name, db.uuid]));
}

// Finds the account's database of that name, or creates it.
function ensureDatabase(name) {
  let id = databasesByName().get(name);
  if (id) {
    console.log(`D1 database "${name}" exists (${id}).`);
    return id;
  }
  console.log(`Creating the D1 database "${name}"...`);
  run(`npx wrangler d1 create ${JSON.stringify(name)}`);
  id = databasesByName().get(name);
  if (!id) throw new Error(`the D1 database "${name}" was created but is not listed yet; run \`npm run deploy\` again`);
  return id;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { buildDashboard } = await import("./build.js");
  buildDashboard();
  const toml = readFileSync(configPath, "utf8");
  const binding = d1Binding(toml);
  if (!binding) throw new Error(`wrangler.toml has no D1 binding "${BINDING}"`);
  if (!binding.fields.database_id) {
    // Migrations on a remote database need its id in the config (wrangler would only
    // provision the database during `wrangler deploy`, after the schema was needed).
    const id = ensureDatabase(binding.fields.database_name || "keyaos-db");
    writeFileSync(configPath, withDatabaseId(toml, id));
    console.log(`Wrote database_id = "${id}" to wrangler.toml; commit it so later deploys use the same database.`);
  }
  // By binding, so a database renamed at deploy time (the Deploy button allows it) is still found.
  run(`npx wrangler d1 migrations apply ${BINDING} --remote`, { env: { ...process.env, CI: process.env.CI || "true" } });
  run("npx wrangler deploy");
}

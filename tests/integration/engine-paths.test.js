// The Worker hands the engine the paths its route table claims (kx_paths) and
// serves the dashboard's assets for every other one; wrangler.toml sends the
// same paths to the Worker before the assets.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root, startGateway } from "../support/gateway.js";
import { WasmEngine } from "../../worker-shim/loader.js";

const enginePaths = new WasmEngine(new WebAssembly.Module(readFileSync(join(root, "worker-shim", "keyaos.wasm")))).paths();
let gw;
const assetPaths = [];

before(async () => {
  gw = await startGateway({
    serviceBindings: {
      ASSETS: (request) => {
        assetPaths.push(new URL(request.url).pathname);
        return new Response("dashboard asset", { headers: { "content-type": "text/html" } });
      },
    },
  });
});
after(() => gw?.close());

test("the engine names its path prefixes and whole paths", () => {
  assert.deepEqual(enginePaths, { prefixes: ["/v1", "/api"], paths: ["/health"] });
});

test("paths the engine claims reach it; every other path is the dashboard's", async () => {
  for (const [path, status] of [["/health", 200], ["/v1/models", 401], ["/v1", 401], ["/api/usage", 401], ["/api", 401], ["/v1/no-such-route", 401]]) {
    const res = await gw.fetch(path);
    assert.equal(res.status, status, path);
    assert.match(res.headers.get("content-type"), /application\/json/, path);
    await res.arrayBuffer();
  }
  const dashboard = ["/", "/index.html", "/assets/app.js", "/openapi.json", "/v1x", "/apis", "/healthz", "/health/", "/health/x"];
  for (const path of dashboard) {
    const res = await gw.fetch(path);
    assert.equal(res.status, 200, path);
    assert.equal(await res.text(), "dashboard asset", path);
  }
  assert.deepEqual(assetPaths, dashboard);
});

test("wrangler.toml runs the Worker first on exactly the engine's paths", () => {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  const line = toml.match(/^run_worker_first\s*=\s*(\[.*\])\s*$/m);
  assert.ok(line, "wrangler.toml has a run_worker_first list");
  const expected = [...enginePaths.prefixes.map((p) => p + "/*"), ...enginePaths.paths];
  assert.deepEqual(JSON.parse(line[1]).sort(), expected.sort());
});

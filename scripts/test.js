// Runs every test: C++ unit tests (Catch2, native), the wasm reproducibility
// check, the Worker integration tests in workerd, the dashboard in a browser,
// and a deploy dry run.
// Installs what is missing first (apt packages as root, npm ci).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ensureApt, ensureNodeModules, root, run } from "./lib.js";

ensureApt(["cmake", "gxx", "nlohmann", "catch2", "emscripten", "chromium"]);
ensureNodeModules();

const results = [];
function step(name, fn) {
  console.log(`\n=== ${name}`);
  try {
    fn();
    results.push([name, true]);
  } catch (err) {
    console.error(err.message);
    results.push([name, false]);
  }
}

step("provider definitions compiled into the core are current", () => run("node scripts/embed-providers.js --check"));
step("C++ unit tests (Catch2)", () => {
  run("node scripts/build.js --native > /dev/null");
  run(`${join(root, "build", "native", "keyaos_tests")}`);
});
step("keyaos.wasm is reproducible from the sources", () => run("node scripts/build.js --check-wasm"));
step("Worker integration tests (workerd + D1)", () => {
  const files = readdirSync(join(root, "tests", "integration")).filter((f) => f.endsWith(".test.js")).map((f) => join("tests", "integration", f));
  run(`node --test --test-concurrency=1 ${files.join(" ")}`);
});
step("Dashboard browser tests (Playwright + Chromium)", () => run("node --test --test-concurrency=1 tests/e2e/dashboard.test.js"));
step("wrangler deploy --dry-run", () => run("npx wrangler deploy --dry-run --outdir build/deploy-dry-run > build/deploy-dry-run.log 2>&1 || (cat build/deploy-dry-run.log; exit 1)"));

const passed = results.filter(([, ok]) => ok).length;
const failed = results.length - passed;
console.log("");
for (const [name, ok] of results) console.log(`${ok ? "ok  " : "FAIL"}  ${name}`);
console.log(`suites: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

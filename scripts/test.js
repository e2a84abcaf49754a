// Runs every test: C++ unit tests (Catch2, native), the wasm reproducibility
// check, the Worker integration tests in workerd, the dashboard in a browser,
// and a deploy dry run.
// Installs what is missing first (apt packages as root, npm ci).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ensureApt, ensureNodeModules, root, run } from "./lib.js";

ensureApt(["cmake", "gxx", "nlohmann", "catch2", "emscripten", "chromium"]);
ensureNodeModules();

// `git status` plus a digest of every change, so a second edit to an already-modified file shows too.
function treeState() {
  const status = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root, encoding: "utf8" });
  const diff = spawnSync("git", ["diff", "HEAD", "--binary"], { cwd: root, maxBuffer: 1 << 30 });
  if (status.status !== 0 || diff.status !== 0) return "";
  return status.stdout + (status.stdout ? `changes digest ${createHash("sha256").update(diff.stdout).digest("hex")}\n` : "");
}
const treeBefore = treeState();

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

step("C++ unit tests (Catch2)", () => {
  run("node scripts/build.js --native > /dev/null");
  run(`${join(root, "build", "native", "keyaos_tests")}`);
});
step("build and deploy scripts", () => run("node --test tests/scripts/*.test.js"));
// Rebuilt in folders of its own (build/wasm-check, then a scratch copy of the sources with a
// private Emscripten cache) and compared with the committed module, which is never written.
step("keyaos.wasm is reproducible from the sources", () => run("node scripts/build.js --check-wasm --fresh"));
// Every test file of a folder, so a new one cannot be left out.
const testFiles = (dir) => readdirSync(join(root, "tests", dir)).filter((f) => f.endsWith(".test.js")).sort().map((f) => join("tests", dir, f));
step("Worker integration tests (workerd + D1)", () => run(`node --test --test-concurrency=1 ${testFiles("integration").join(" ")}`));
step("Dashboard browser tests (Playwright + Chromium), Core and Platform mode", () => run(`node --test --test-concurrency=1 ${testFiles("e2e").join(" ")}`));
step("wrangler deploy --dry-run", () => run("npx wrangler deploy --dry-run --outdir build/deploy-dry-run > build/deploy-dry-run.log 2>&1 || (cat build/deploy-dry-run.log; exit 1)"));

// Tests write to build/ and state folders only: the work tree ends as it started.
step("the work tree is as it was before the tests", () => {
  const after = treeState();
  if (after !== treeBefore) throw new Error(`the tests changed tracked files:\nbefore:\n${treeBefore || "(clean)"}\nafter:\n${after}`);
});

const passed = results.filter(([, ok]) => ok).length;
const failed = results.length - passed;
console.log("");
for (const [name, ok] of results) console.log(`${ok ? "ok  " : "FAIL"}  ${name}`);
console.log(`suites: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

// Builds what the Worker serves: the dashboard assets; with flags, the native
// tests or keyaos.wasm (both compile providers/*.json into the core).
// Usage: node scripts/build.js [--wasm] [--native] [--check-wasm [--fresh]]
//   --wasm        rebuild worker-shim/keyaos.wasm from the sources (the only
//                 step that writes the committed module)
//   --native      build the native core, unit tests and benchmarks
//   --check-wasm  rebuild into build/wasm-check and compare with the committed
//                 module, which is never touched; --fresh also rebuilds in a
//                 second folder with its own Emscripten cache and compares that too;
//                 --reference <file> compares with another module instead
import { execSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emscriptenEnv, ensureApt, root, run } from "./lib.js";

const args = new Set(process.argv.slice(2));
export const committedWasm = join(root, "worker-shim", "keyaos.wasm");

// `src`: a source tree other than the checkout; `emCache`: a private
// Emscripten cache; `fresh`: an empty build folder and no compiler cache.
export function buildWasm(outDir = join(root, "build", "wasm"), { src = root, emCache, fresh = false } = {}) {
  const env = emscriptenEnv();
  if (emCache) {
    // Debian's Emscripten ships its system libraries prebuilt in a frozen
    // cache; a private copy of it is a cache no earlier build has touched.
    rmSync(emCache, { recursive: true, force: true });
    cpSync(systemEmCache(), emCache, { recursive: true });
    env.EM_CACHE = emCache;
  }
  if (fresh) {
    rmSync(outDir, { recursive: true, force: true });
    env.CCACHE_DISABLE = "1";
  }
  run(`emcmake cmake -S ${src} -B ${outDir} -DCMAKE_BUILD_TYPE=Release > /dev/null`, { env });
  run(`cmake --build ${outDir} --target keyaos -j2`, { env });
  return join(outDir, "keyaos.wasm");
}

function systemEmCache() {
  try {
    const out = execSync("em-config CACHE", { cwd: root, encoding: "utf8", env: emscriptenEnv(), stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (out && existsSync(out)) return out;
  } catch {}
  return "/usr/share/emscripten/cache";
}

// What the wasm build reads, copied to `dir`, so a build there shares no path with the checkout.
function copySources(dir) {
  for (const part of ["CMakeLists.txt", "cmake", "wasm", "migrations", "providers"]) cpSync(join(root, part), join(dir, part), { recursive: true });
  const simdjson = join("node_modules", "@nozbe", "simdjson", "src");
  cpSync(join(root, simdjson), join(dir, simdjson), { recursive: true });
  return dir;
}

export function buildNative(outDir = join(root, "build", "native")) {
  run(`cmake -S . -B ${outDir} -DCMAKE_BUILD_TYPE=Release > /dev/null`);
  run(`cmake --build ${outDir} -j2`);
  return outDir;
}

export function buildDashboard() {
  const dist = join(root, "dashboard", "dist");
  const app = join(root, "dashboard", "package.json");
  if (existsSync(app)) {
    if (!existsSync(join(root, "dashboard", "node_modules"))) run("npm ci --no-audit --no-fund", { cwd: join(root, "dashboard") });
    run("npm run build", { cwd: join(root, "dashboard") });
  } else {
    mkdirSync(dist, { recursive: true });
    cpSync(join(root, "dashboard", "public"), dist, { recursive: true });
  }
}

// Byte positions where two modules differ (at most `max`), for the report.
export function differences(a, b, max = 8) {
  const out = [];
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n && out.length < max; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

// Compares a built module with the reference (the committed one); returns whether they match.
export function compareModules(built, label, reference = committedWasm) {
  const a = readFileSync(built);
  const b = readFileSync(reference);
  if (a.equals(b)) {
    console.log(`${label}: identical to ${reference} (${a.length} bytes).`);
    return true;
  }
  console.error(
    `${label}: ${built} differs from ${reference} (${a.length} vs ${b.length} bytes; first differing offsets ${differences(a, b).join(", ")}).\n` +
      "Rebuild it with `npm run build -- --wasm` and commit it.",
  );
  return false;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (args.has("--native")) {
    ensureApt(["cmake", "gxx", "nlohmann", "catch2"]);
    buildNative();
  }
  if (args.has("--wasm")) {
    ensureApt(["cmake", "emscripten", "nlohmann"]);
    const built = buildWasm();
    copyFileSync(built, committedWasm);
    console.log(`built ${committedWasm}`);
  }
  if (args.has("--check-wasm")) {
    ensureApt(["cmake", "emscripten", "nlohmann"]);
    // --reference <file>: compare with another module (to see the check fail on an altered copy).
    const argv = process.argv.slice(2);
    const reference = argv.includes("--reference") ? argv[argv.indexOf("--reference") + 1] : committedWasm;
    let ok = compareModules(buildWasm(join(root, "build", "wasm-check")), "rebuild in build/wasm-check", reference);
    if (args.has("--fresh")) {
      // Other source and build folders, a cache of its own, no compiler cache: nothing shared with the first build.
      const scratch = mkdtempSync(join(tmpdir(), "keyaos-wasm-"));
      try {
        const src = copySources(join(scratch, "src"));
        const built = buildWasm(join(scratch, "build"), { src, emCache: join(scratch, "em-cache"), fresh: true });
        ok = compareModules(built, "fresh rebuild in a second folder", reference) && ok;
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
    if (!ok) process.exit(1);
  }
  if (!existsSync(committedWasm)) {
    console.error("worker-shim/keyaos.wasm is missing: run `npm run build -- --wasm` (needs Emscripten).");
    process.exit(1);
  }
  if (!args.has("--native") && !args.has("--check-wasm")) buildDashboard();
}

// Builds what the Worker serves: the provider table compiled into the core,
// keyaos.wasm (when Emscripten is available) and the dashboard assets.
// Usage: node scripts/build.js [--wasm] [--native] [--check-wasm]
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { emscriptenEnv, ensureApt, has, root, run } from "./lib.js";

const args = new Set(process.argv.slice(2));
const committedWasm = join(root, "worker-shim", "keyaos.wasm");

export function buildWasm(outDir = join(root, "build", "wasm")) {
  const env = emscriptenEnv();
  run(`emcmake cmake -S . -B ${outDir} -DCMAKE_BUILD_TYPE=Release > /dev/null`, { env });
  run(`cmake --build ${outDir} --target keyaos -j2`, { env });
  return join(outDir, "keyaos.wasm");
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

if (import.meta.url === `file://${process.argv[1]}`) {
  run("node scripts/embed-providers.js");
  if (args.has("--native")) {
    ensureApt(["cmake", "gxx", "nlohmann", "catch2"]);
    buildNative();
  }
  // Rebuilds whenever Emscripten is here; a fork without it deploys the committed module.
  if (args.has("--wasm") || args.has("--check-wasm") || !existsSync(committedWasm) || has("emcc")) {
    ensureApt(["cmake", "emscripten", "nlohmann"]);
    const built = buildWasm();
    if (args.has("--check-wasm")) {
      const same = readFileSync(built).equals(readFileSync(committedWasm));
      if (!same) {
        console.error("worker-shim/keyaos.wasm differs from a rebuild of the sources: run `npm run build -- --wasm` and commit it.");
        process.exit(1);
      }
      console.log("worker-shim/keyaos.wasm matches a rebuild of the sources.");
    } else {
      copyFileSync(built, committedWasm);
      console.log(`built ${committedWasm}`);
    }
  } else if (!has("emcc")) {
    console.log("Emscripten not installed: using the committed worker-shim/keyaos.wasm.");
  }
  buildDashboard();
}

// Shared helpers for the project scripts: run commands, find tools, install
// what is missing on Debian/Ubuntu.
import { execSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export function run(cmd, opts = {}) {
  const res = spawnSync(cmd, { shell: true, stdio: "inherit", cwd: root, ...opts });
  if (res.status !== 0) throw new Error(`command failed (${res.status}): ${cmd}`);
}

export function has(bin) {
  return spawnSync(`command -v ${bin}`, { shell: true, stdio: "ignore" }).status === 0;
}

const APT_PACKAGES = {
  cmake: { check: () => has("cmake"), pkg: "cmake" },
  gxx: { check: () => has("g++"), pkg: "g++" },
  emscripten: { check: () => has("emcc"), pkg: "emscripten" },
  nlohmann: { check: () => existsSync("/usr/include/nlohmann/json.hpp"), pkg: "nlohmann-json3-dev" },
  catch2: { check: () => existsSync("/usr/include/catch2/catch.hpp"), pkg: "catch2" },
  chromium: { check: () => existsSync("/usr/bin/chromium"), pkg: "chromium" },
  clang: { check: () => has("clang++"), pkg: "clang" },
  libfuzzer: { check: () => libFuzzerInstalled(), pkg: "libclang-rt-14-dev" },
};

// libFuzzer's runtime sits in clang's resource directory (libclang-rt-*-dev).
function libFuzzerInstalled() {
  if (!has("clang++")) return false;
  const res = spawnSync("clang++", ["-print-resource-dir"], { encoding: "utf8" });
  return res.status === 0 && existsSync(join(res.stdout.trim(), "lib", "linux", "libclang_rt.fuzzer-x86_64.a"));
}

// Installs the named apt packages when missing (as root), or explains how.
export function ensureApt(names) {
  const missing = names.filter((n) => !APT_PACKAGES[n].check()).map((n) => APT_PACKAGES[n].pkg);
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  const sudo = isRoot ? "" : has("sudo") ? "sudo " : null;
  if (sudo === null) {
    console.error(`Missing system packages: ${missing.join(" ")}\nInstall them with: apt-get install -y ${missing.join(" ")}`);
    process.exit(1);
  }
  console.log(`Installing system packages: ${missing.join(" ")}`);
  run(`${sudo}apt-get update -qq && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(" ")}`);
}

// Installs the locked npm packages when any of them is missing.
export function ensureNodeModules() {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
  const direct = Object.keys(lock.packages?.[""]?.devDependencies ?? {});
  if (direct.some((name) => !existsSync(join(root, "node_modules", name, "package.json")))) run("npm ci --no-audit --no-fund");
}

export function emscriptenEnv() {
  // Debian's emscripten runs its JS optimizer with the system Node modules.
  return { ...process.env, NODE_PATH: process.env.NODE_PATH || "/usr/share/nodejs" };
}

export function capture(cmd) {
  return execSync(cmd, { cwd: root, encoding: "utf8" });
}

// Builds the libFuzzer targets of tests/fuzz/ with clang (ASan + UBSan) into
// build/fuzz/ and runs each for a while, starting from its committed corpus.
// Usage: node scripts/fuzz.js [--seconds N] [--target NAME]... [--max-len BYTES] [--merge] [--minimize]
//   --seconds N   time per target (default 30)
//   --target NAME only this target (repeatable; default every target)
//   --max-len B   largest input libFuzzer generates (default 8192)
//   --merge       add the new interesting inputs of this run to tests/fuzz/corpus/<target>/
//   --minimize    rewrite each committed corpus as its minimal subset (libFuzzer -merge=1,
//                 then at most 200 files: the named seeds and crashes, then the smallest), then stop
// Crashing inputs go to build/fuzz/findings/<target>/ and never into the
// committed corpus. Exits non-zero when any target found a crash.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensureApt, ensureNodeModules, root, run } from "./lib.js";

const TARGETS = readdirSync(join(root, "tests", "fuzz"))
  .filter((f) => f.endsWith("_fuzz.cpp"))
  .map((f) => f.slice(0, -"_fuzz.cpp".length))
  .sort();

function parseArgs(argv) {
  const opts = { seconds: 30, targets: [], maxLen: 8192, merge: false, minimize: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--seconds") opts.seconds = Number(value());
    else if (a === "--target") opts.targets.push(...value().split(","));
    else if (a === "--max-len") opts.maxLen = Number(value());
    else if (a === "--merge") opts.merge = true;
    else if (a === "--minimize") opts.minimize = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!(opts.seconds > 0)) throw new Error("--seconds must be a positive number");
  if (!(opts.maxLen > 0)) throw new Error("--max-len must be a positive number");
  for (const t of opts.targets) if (!TARGETS.includes(t)) throw new Error(`unknown target ${t} (targets: ${TARGETS.join(", ")})`);
  if (opts.targets.length === 0) opts.targets = TARGETS;
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(err.message);
  process.exit(2);
}

ensureApt(["cmake", "clang", "libfuzzer", "nlohmann"]);
ensureNodeModules();

const buildDir = join(root, "build", "fuzz");
const env = { ...process.env, CXX: "clang++" };
run(`cmake -S . -B ${buildDir} -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ -DKEYAOS_FUZZ=ON > /dev/null`, { env });
run(`cmake --build ${buildDir} -j2 --target ${opts.targets.map((t) => `fuzz_${t}`).join(" ")}`, { env });

// Committed corpora stay small: the unit suite replays them all.
const CORPUS_CAP = 200;
const corpusDir = (t) => join(root, "tests", "fuzz", "corpus", t);
const files = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile()) : []);
const sanitizerEnv = {
  ...process.env,
  ASAN_OPTIONS: "abort_on_error=1:detect_leaks=1:allocator_may_return_null=1",
  UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
};

if (opts.minimize) {
  for (const t of opts.targets) {
    const committed = corpusDir(t);
    const fresh = join(buildDir, "minimized", t);
    rmSync(fresh, { recursive: true, force: true });
    mkdirSync(fresh, { recursive: true });
    const res = spawnSync(join(buildDir, `fuzz_${t}`), ["-merge=1", `-max_len=${opts.maxLen}`, fresh, committed], {
      env: sanitizerEnv,
      encoding: "utf8",
    });
    if (res.status !== 0) {
      console.error(res.stderr);
      process.exit(1);
    }
    // Named inputs (seed-*, crash-*, sealed-*) stay; the rest, smallest first, up to the cap.
    const named = files(committed).filter((f) => /^(seed|crash|sealed)-/.test(f));
    const kept = new Set(files(fresh));
    for (const f of named) kept.delete(f);
    const rest = [...kept].sort((a, b) => statSync(join(fresh, a)).size - statSync(join(fresh, b)).size || a.localeCompare(b));
    const keep = rest.slice(0, Math.max(0, CORPUS_CAP - named.length));
    const before = files(committed).length;
    for (const f of files(committed)) if (!named.includes(f)) rmSync(join(committed, f));
    for (const f of keep) cpSync(join(fresh, f), join(committed, f));
    console.log(`${t}: ${before} -> ${files(committed).length} files`);
  }
  process.exit(0);
}

const stat = (text, name) => {
  const m = text.match(new RegExp(`stat::${name}:\\s*(\\d+)`));
  return m ? Number(m[1]) : null;
};

const rows = [];
for (const t of opts.targets) {
  const work = join(buildDir, "corpus", t);
  const findings = join(buildDir, "findings", t);
  mkdirSync(work, { recursive: true });
  rmSync(findings, { recursive: true, force: true });
  mkdirSync(findings, { recursive: true });
  console.log(`\n=== fuzz_${t}: ${opts.seconds} s`);
  const args = [
    `-max_total_time=${opts.seconds}`,
    `-max_len=${opts.maxLen}`,
    "-timeout=10",
    "-rss_limit_mb=2048",
    "-print_final_stats=1",
    `-artifact_prefix=${findings}/`,
    work,
    corpusDir(t),
  ];
  // New inputs land in the first directory (build/fuzz/corpus/<t>); the committed one is only read.
  const res = spawnSync(join(buildDir, `fuzz_${t}`), args, {
    env: sanitizerEnv,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: (opts.seconds + 120) * 1000,
  });
  const log = (res.stderr || "") + (res.stdout || "");
  const found = files(findings);
  if (found.length) {
    const report = log.split("\n").filter((l) => /ERROR|SUMMARY|property violated|runtime error|#\d+ 0x/.test(l)).slice(0, 30);
    console.log(report.join("\n"));
  }
  const row = {
    target: t,
    executions: stat(log, "number_of_executed_units"),
    execPerSec: stat(log, "average_exec_per_sec"),
    newUnits: stat(log, "new_units_added"),
    findings: found.map((f) => join("build", "fuzz", "findings", t, f)),
    exit: res.status,
  };
  if (!found.length && res.status !== 0) row.findings.push(`exit status ${res.status ?? res.signal}`);
  console.log(`${t}: ${row.executions} executions, ${row.execPerSec} exec/s, ${row.newUnits} new units, ${row.findings.length} findings`);

  if (opts.merge && !found.length) {
    const before = files(corpusDir(t)).length;
    const merged = spawnSync(join(buildDir, `fuzz_${t}`), ["-merge=1", `-max_len=${opts.maxLen}`, corpusDir(t), work], {
      env: sanitizerEnv,
      encoding: "utf8",
    });
    if (merged.status !== 0) row.findings.push("merge failed");
    console.log(`${t}: merged ${files(corpusDir(t)).length - before} inputs into tests/fuzz/corpus/${t}/`);
  }
  rows.push(row);
}

console.log("\ntarget            executions   exec/s   new units   findings");
for (const r of rows) {
  console.log(
    `${r.target.padEnd(17)} ${String(r.executions ?? "?").padStart(10)} ${String(r.execPerSec ?? "?").padStart(8)} ${String(
      r.newUnits ?? "?",
    ).padStart(11)}   ${r.findings.length ? r.findings.join(" ") : "none"}`,
  );
}
const crashed = rows.filter((r) => r.findings.length);
if (crashed.length) {
  console.log(`\n${crashed.length} target(s) found crashes: reproduce with build/fuzz/fuzz_<target> <file>`);
  process.exit(1);
}

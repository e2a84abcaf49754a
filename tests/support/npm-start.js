// The gateway started the way a user starts it (`npm start`: build, local D1,
// wrangler dev), for the browser tests. Each run has its own port and state
// folder; `stop()` ends the whole process tree and removes the folder.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "../../scripts/lib.js";

const START_TIMEOUT_MS = 8 * 60_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// `node scripts/start.js` in its own process group, so the whole tree
// (npm, wrangler, workerd) can be stopped at once. `env`: the Worker's
// variables (start.js passes them on); `prepare(stateDir)` runs before the
// start, e.g. to seed the local D1.
export async function startGateway({ port, env, prepare }) {
  port ??= await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), "keyaos-e2e-"));
  const output = [];
  await prepare?.(stateDir);
  const child = spawn(process.execPath, ["scripts/start.js"], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      KEYAOS_STATE_DIR: stateDir,
      WRANGLER_SEND_METRICS: "false",
      CI: "true",
    },
  });
  const keep = (chunk) => {
    output.push(chunk.toString());
    if (output.length > 400) output.splice(0, output.length - 400);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exited = null;
  const exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve((exited = { code, signal }))));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (!exited) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      await Promise.race([exit, sleep(8000)]);
    }
    try {
      process.kill(-child.pid, "SIGKILL"); // anything left in the group
    } catch {}
    rmSync(stateDir, { recursive: true, force: true });
  };

  // On failure the whole output goes to a file and the end of it into the error.
  const fail = async (why) => {
    await stop();
    mkdirSync(join(root, "test-results"), { recursive: true });
    writeFileSync(join(root, "test-results", "e2e-gateway.log"), output.join(""));
    const tail = output.join("").split("\n").slice(-40).join("\n");
    return new Error(`${why} (full output in test-results/e2e-gateway.log):\n${tail}`);
  };
  const until = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited) throw await fail(`npm start exited early (${JSON.stringify(exited)})`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok && (await res.json()).status === "ok") break;
    } catch {}
    if (Date.now() > until) throw await fail(`the gateway did not answer /health within ${START_TIMEOUT_MS / 1000}s`);
    await sleep(500);
  }
  return { url, stop, output };
}

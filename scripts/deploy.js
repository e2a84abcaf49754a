// Deploys to Cloudflare: D1 migrations first, then the Worker. Uses the
// committed keyaos.wasm, so no C++ toolchain is needed.
import { run } from "./lib.js";
import { buildDashboard } from "./build.js";

buildDashboard();
run("npx wrangler d1 migrations apply keyaos-db --remote");
run("npx wrangler deploy");

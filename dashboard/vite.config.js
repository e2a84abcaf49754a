// Builds the dashboard into dist/, which the Worker serves as static assets at
// the same origin as the API. `npm run dev` proxies the API to a running
// gateway (KEYAOS_URL, default http://localhost:8787, i.e. `npm start`).
import { defineConfig } from "vite";

const gateway = process.env.KEYAOS_URL || "http://localhost:8787";
const proxy = Object.fromEntries(["/v1", "/api", "/health"].map((p) => [p, { target: gateway, changeOrigin: true }]));

export default defineConfig({
  esbuild: { jsx: "automatic" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false },
  server: { proxy },
  preview: { proxy },
});

// Chromium (Debian's) through playwright-core for the dashboard's browser
// tests, and the steps they share: screenshots, the side menu, console errors.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { root } from "../../scripts/lib.js";

export const shots = join(root, "test-results", "screenshots");
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export function launchChromium() {
  mkdirSync(shots, { recursive: true });
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

// Console errors and uncaught exceptions of `p` go to `errors`, except messages `ignore(text)` accepts.
export function watchConsole(p, name, errors, ignore = () => false) {
  p.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    if (ignore(text)) return;
    errors.push(`[${name}] ${text} (${msg.location()?.url || ""})`);
  });
  p.on("pageerror", (err) => errors.push(`[${name}] uncaught: ${err.message}`));
}

export async function shot(p, name) {
  await p.evaluate(async () => {
    await document.fonts?.ready;
    window.scrollTo(0, 0); // sticky bars are drawn where the page is scrolled to
  });
  await p.screenshot({ path: join(shots, `${name}.png`), fullPage: true, style: ".toasts { display: none; }" });
}

// Opens a page from the side menu and waits for its heading.
export async function go(p, label) {
  await p.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: label, exact: true }).click();
  await p.getByRole("heading", { level: 1, name: label }).waitFor();
}

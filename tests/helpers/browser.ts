// What the Chromium tests and the bundle benchmark share: Debian's Chromium
// driven by playwright-core (no browser download), and a real server over a
// throwaway SQLite database seeded with the demo organisation, serving the built SPA.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, URL } from "node:url";
import type { Browser, Locator, Page } from "playwright-core";
import { parseEnv } from "../../server/env.js";
import { startServer, type RunningServer } from "../../server/server.js";
import { launchChromium } from "./chromium.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const builtIndex = join(repoRoot, "client/dist/index.html");

export interface BrowserHarness {
  server: RunningServer;
  browser: Browser;
  close(): Promise<void>;
}

/** Empties `shotsDir`, starts the server on a fresh database and launches Chromium. */
export async function startBrowserHarness(shotsDir: string): Promise<BrowserHarness> {
  if (!existsSync(builtIndex)) {
    throw new Error(`${builtIndex} is missing: run \`npm run build\` before \`npm run test:browser\``);
  }
  rmSync(shotsDir, { recursive: true, force: true });
  mkdirSync(shotsDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), "yong-browser-"));
  const server = await startServer(
    parseEnv({
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: `sqlite:${join(dataDir, "browser.sqlite")}`,
      DATA_DIR: dataDir,
      LOG_LEVEL: "silent",
      PASSWORD_HASH_MEMORY_KIB: "1024",
      SEED_DEMO: "true",
      SERVE_CLIENT: "true",
    }),
  );
  const browser = await launchChromium();
  return {
    server,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Element Plus puts a data-testid either on the native input or on its wrapper. */
export function input(page: Page, testId: string): Locator {
  return page.locator(`input[data-testid="${testId}"], [data-testid="${testId}"] input`).first();
}

export function byTestId(page: Page, testId: string): Locator {
  return page.locator(`[data-testid="${testId}"]`).first();
}

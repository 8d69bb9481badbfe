// What the Chromium tests and the bundle benchmark share: Debian's Chromium
// driven by playwright-core (no browser download), and a real server over a
// throwaway SQLite database seeded with the demo organisation, serving the built SPA.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, URL } from "node:url";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { parseEnv } from "../../server/env.js";
import { startServer, type RunningServer } from "../../server/server.js";
import { ApiClient } from "./apiClient.js";
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
      SMTP_PORT: "0",
      SUBMISSION_PORT: "0",
      SMTPS_PORT: "0",
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

/** A browser context at one viewport, collecting page errors and failed requests for the failure report. */
export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Saves a numbered screenshot under the test's folder. */
  shot(name: string): Promise<void>;
  /** Page errors and 4xx/5xx answers seen so far. */
  report(): string;
}

export async function openBrowserSession(
  browser: Browser,
  props: { shotsDir: string; prefix: string; viewport: { width: number; height: number }; timeoutMs?: number },
): Promise<BrowserSession> {
  const { viewport } = props;
  const context = await browser.newContext({ viewport, locale: "zh-CN", isMobile: viewport.width < 500 });
  const page = await context.newPage();
  page.setDefaultTimeout(props.timeoutMs ?? 15_000);
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  let step = 0;
  return {
    context,
    page,
    shot: async (name) => {
      step += 1;
      const file = `${props.prefix}-${String(step).padStart(2, "0")}-${name}.png`;
      await page.screenshot({ path: join(props.shotsDir, file) });
    },
    report: () => problems.join("\n"),
  };
}

/** Runs a test's steps in a session; on failure keeps a full-page screenshot and prints what went wrong. */
export async function withBrowserSession(
  session: BrowserSession,
  shotsDir: string,
  run: () => Promise<void>,
): Promise<void> {
  try {
    await run();
  } catch (error) {
    await session.page.screenshot({ path: join(shotsDir, "failure.png"), fullPage: true }).catch(() => undefined);
    console.error(`browser failed at ${session.page.url()}\n${session.report()}`);
    throw error;
  } finally {
    await session.context.close();
  }
}

/** Signs in through the login form and waits to leave it. */
export async function signInInBrowser(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await input(page, "login-username").fill(username);
  await input(page, "login-password").fill(password);
  await byTestId(page, "login-submit").click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

/** Signs in over the API with a one-time password and replaces it, so the browser can sign in with `newPassword`. */
export async function apiSignInReplacing(
  baseUrl: string,
  username: string,
  oneTimePassword: string,
  newPassword: string,
): Promise<ApiClient> {
  const client = new ApiClient(baseUrl);
  const login = await client.post("/api/auth/login", { username, password: oneTimePassword });
  if (login.status !== 200) throw new Error(`login ${username}: ${login.text}`);
  const change = await client.post("/api/auth/password", { currentPassword: oneTimePassword, newPassword });
  if (change.status !== 204) throw new Error(`password change ${username}: ${change.text}`);
  return client;
}

/** The password every browser test gives the demo accounts it signs in with (their issued one is changed). */
export const NEW_PASSWORD = "Yong#Office2026!";
/** The two screens every screen is checked on: a phone (390 px wide) and a desktop. */
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1440, height: 900 };

// First-load bytes of the SPA, as a browser receives them.
//
//   npm run bench:bundle [-- --no-build] [-- --user office.staff1] [-- --root <checkout>]
//
// Builds client/dist (unless --no-build and a build exists), starts the server
// in-process on a fresh temporary SQLite database, and drives Chromium:
//   1. the login page, cold (empty cache);
//   2. signing in through the page (what the SPA fetches on top);
//   3. the signed-in home, cold (a new browser context with the session cookie).
// For each it adds up the bytes received per content type (as transferred, i.e.
// compressed when the server compresses) and, for scripts, their gzip size
// whatever the server sent, so runs before and after compression compare.
// The checkout measured is the current directory (or --root), so the same
// script can measure an older commit's worktree.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import type { BrowserContext, Page, Request } from "playwright-core";
import { launchChromium } from "../tests/helpers/chromium.js";

// Types only: the modules themselves are loaded from the checkout being measured.
import type * as ServerModuleNs from "../server/server.js";
import type * as EnvModuleNs from "../server/env.js";

type ServerModule = typeof ServerModuleNs;
type EnvModule = typeof EnvModuleNs;

const GOALS = { loginJsGzip: 150_000, homeJsGzip: 250_000 };
const NEW_PASSWORD = "Bench#Bundle2026";
const TIMEOUT = 60_000;

const { values: args } = parseArgs({
  options: {
    "no-build": { type: "boolean", default: false },
    user: { type: "string", default: "office.staff1" },
    root: { type: "string", default: process.cwd() },
    /** Also list every response of each page. */
    list: { type: "boolean", default: false },
  },
});
const root = resolve(args.root);

type Kind = "js" | "css" | "html" | "json" | "font" | "image" | "other";

interface Received {
  url: string;
  kind: Kind;
  /** Body bytes on the wire (after content-encoding). */
  transferred: number;
  /** Body bytes once decoded. */
  raw: number;
  /** gzip size of the decoded body (zlib default level), scripts only. */
  gzip: number;
  encoding: string;
}

interface Figures {
  requests: number;
  jsRaw: number;
  jsGzip: number;
  jsTransferred: number;
  cssTransferred: number;
  totalTransferred: number;
  jsEncodings: string[];
}

function kindOf(contentType: string): Kind {
  if (/javascript/.test(contentType)) return "js";
  if (/text\/css/.test(contentType)) return "css";
  if (/text\/html/.test(contentType)) return "html";
  if (/json/.test(contentType)) return "json";
  if (/font/.test(contentType)) return "font";
  if (/^image\//.test(contentType)) return "image";
  return "other";
}

/** Records every same-origin response a page receives until stopped. */
function recorder(page: Page, origin: string) {
  const pending: Promise<Received | undefined>[] = [];
  const onFinished = (request: Request) => {
    if (!request.url().startsWith(origin)) return;
    pending.push(
      (async () => {
        const response = await request.response();
        if (!response) return undefined;
        const sizes = await request.sizes();
        const headers = await response.allHeaders();
        const kind = kindOf(headers["content-type"] ?? "");
        const body = await response.body().catch(() => Buffer.alloc(0));
        return {
          url: request.url().slice(origin.length),
          kind,
          transferred: sizes.responseBodySize,
          raw: body.length,
          gzip: kind === "js" ? gzipSync(body).length : 0,
          encoding: headers["content-encoding"] ?? "none",
        };
      })(),
    );
  };
  page.on("requestfinished", onFinished);
  return {
    async take(): Promise<Received[]> {
      const all = await Promise.all(pending.splice(0));
      return all.filter((r): r is Received => r !== undefined);
    },
    stop() {
      page.off("requestfinished", onFinished);
    },
  };
}

function sum(list: Received[], pick: (r: Received) => number, kind?: Kind): number {
  return list.filter((r) => !kind || r.kind === kind).reduce((total, r) => total + pick(r), 0);
}

function figures(list: Received[]): Figures {
  return {
    requests: list.length,
    jsRaw: sum(list, (r) => r.raw, "js"),
    jsGzip: sum(list, (r) => r.gzip, "js"),
    jsTransferred: sum(list, (r) => r.transferred, "js"),
    cssTransferred: sum(list, (r) => r.transferred, "css"),
    totalTransferred: sum(list, (r) => r.transferred),
    jsEncodings: [...new Set(list.filter((r) => r.kind === "js").map((r) => r.encoding))],
  };
}

/** Changes a demo account's initial password over the API, as the forced first sign-in would. */
async function changeInitialPassword(baseUrl: string, username: string, initial: string): Promise<void> {
  const jar = new Map<string, string>();
  const call = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    if (method !== "GET") headers["x-csrf-token"] = jar.get("yo_csrf") ?? "";
    const res = await fetch(baseUrl + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  };
  await call("GET", "/api/auth/csrf");
  await call("POST", "/api/auth/login", { username, password: initial });
  await call("POST", "/api/auth/password", { currentPassword: initial, newPassword: NEW_PASSWORD });
}

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState("networkidle", { timeout: TIMEOUT });
}

function kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`;
}

function printTable(rows: [string, Figures, number | undefined][]): void {
  const header = ["page", "requests", "JS raw", "JS gzip", "JS sent", "CSS sent", "total sent", "JS goal"];
  const lines = rows.map(([name, f, goal]) => [
    name,
    String(f.requests),
    kb(f.jsRaw),
    kb(f.jsGzip),
    `${kb(f.jsTransferred)} (${f.jsEncodings.join("/") || "-"})`,
    kb(f.cssTransferred),
    kb(f.totalTransferred),
    goal === undefined ? "" : `${f.jsGzip <= goal ? "ok" : "OVER"} ≤ ${kb(goal)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  console.log(format(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const line of lines) console.log(format(line));
}

async function main(): Promise<void> {
  const built = existsSync(join(root, "client/dist/index.html"));
  if (!args["no-build"] || !built) {
    console.log(`building the client in ${root} …`);
    const result = spawnSync(join(root, "node_modules/.bin/vite"), ["build", "--config", "client/vite.config.ts"], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (result.status !== 0) throw new Error("vite build failed");
  }

  const { startServer }: ServerModule = await import(pathToFileURL(join(root, "server/server.ts")).href);
  const { parseEnv }: EnvModule = await import(pathToFileURL(join(root, "server/env.ts")).href);
  const dataDir = mkdtempSync(join(tmpdir(), "yong-bench-bundle-"));
  const server = await startServer(
    parseEnv({
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: `sqlite:${join(dataDir, "bench.sqlite")}`,
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      // Bytes, not hashing, are measured here.
      PASSWORD_HASH_MEMORY_KIB: "1024",
      SEED_DEMO: "true",
      SERVE_CLIENT: "true",
    }),
  );
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  try {
    const account = server.demoAccounts.find((a) => a.username === args.user);
    if (!account) throw new Error(`no demo account ${args.user}`);
    await changeInitialPassword(server.url, account.username, account.password);

    const loginContext = await browser.newContext();
    contexts.push(loginContext);
    const page = await loginContext.newPage();
    const loginLoad = recorder(page, server.url);
    await page.goto(`${server.url}/login`, { timeout: TIMEOUT });
    await page.locator('[data-testid="login-submit"]').waitFor({ timeout: TIMEOUT });
    await settle(page);
    const login = await loginLoad.take();

    await page
      .locator('input[data-testid="login-username"], [data-testid="login-username"] input')
      .first()
      .fill(account.username);
    await page
      .locator('input[data-testid="login-password"], [data-testid="login-password"] input')
      .first()
      .fill(NEW_PASSWORD);
    await page.locator('[data-testid="login-submit"]').click();
    await page.locator('[data-testid="home-welcome"]').waitFor({ timeout: TIMEOUT });
    await settle(page);
    const signIn = await loginLoad.take();
    loginLoad.stop();

    // A fresh context has an empty cache: the home as a returning, signed-in user's first visit.
    const homeContext = await browser.newContext({ storageState: await loginContext.storageState() });
    contexts.push(homeContext);
    const homePage = await homeContext.newPage();
    const homeLoad = recorder(homePage, server.url);
    await homePage.goto(`${server.url}/`, { timeout: TIMEOUT });
    await homePage.locator('[data-testid="home-welcome"]').waitFor({ timeout: TIMEOUT });
    await settle(homePage);
    const home = await homeLoad.take();
    homeLoad.stop();

    const result = {
      login: figures(login),
      signIn: figures(signIn),
      home: figures(home),
    };
    console.log(`\nfirst-load bytes (${root}, signed in as ${account.username}; kB = 1000 bytes)\n`);
    printTable([
      ["login (cold)", result.login, GOALS.loginJsGzip],
      ["sign-in (added)", result.signIn, undefined],
      ["home (cold)", result.home, GOALS.homeJsGzip],
    ]);
    if (args.list) {
      for (const [name, list] of [
        ["login", login],
        ["sign-in", signIn],
        ["home", home],
      ] as const) {
        console.log(`\n${name}:`);
        for (const r of [...list].sort((a, b) => b.gzip - a.gzip || b.transferred - a.transferred)) {
          console.log(
            `  ${r.kind.padEnd(5)} ${kb(r.transferred).padStart(9)} sent ${kb(r.gzip).padStart(9)} gzip  ${r.url}`,
          );
        }
      }
    }
    const largest = [...home, ...login]
      .filter((r) => r.kind === "js")
      .sort((a, b) => b.gzip - a.gzip)
      .filter((r, i, all) => all.findIndex((o) => o.url === r.url) === i)
      .slice(0, 5);
    console.log(`\nlargest scripts (gzip): ${largest.map((r) => `${r.url} ${kb(r.gzip)}`).join(", ")}`);
    console.log(
      JSON.stringify({
        bench: "bundle",
        goals: GOALS,
        ...result,
        withinGoals: result.login.jsGzip <= GOALS.loginJsGzip && result.home.jsGzip <= GOALS.homeJsGzip,
      }),
    );
  } finally {
    for (const context of contexts) await context.close();
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

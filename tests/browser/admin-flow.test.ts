// End-to-end check of the built SPA against the real server, driven through
// Debian's Chromium with playwright-core (no browser download). Run
// `npm run build` first; screenshots of every step land in
// tests/browser/artifacts/ (gitignored) for a person to look at.
import { join } from "node:path";
import { type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../server/server.js";
import {
  byTestId,
  input,
  NEW_PASSWORD,
  repoRoot,
  startBrowserHarness,
  type BrowserHarness,
} from "../helpers/browser.js";

const artifacts = join(repoRoot, "tests/browser/artifacts");

// Element Plus dialogs and dropdowns animate; a slow 2-core CI machine needs slack.
const UI_TIMEOUT = 15_000;
const TESTER = { username: "browser.tester", displayName: "测试用户", pinyin: "ceshi" };

let server: RunningServer | undefined;
let browser: Browser | undefined;
let harness: BrowserHarness | undefined;

beforeAll(async () => {
  harness = await startBrowserHarness(artifacts);
  ({ server, browser } = harness);
});

afterAll(async () => {
  await harness?.close();
});

/** Select options are teleported to <body>; only those of the open dropdown are visible. */
function visibleOption(page: Page, selector: string, text?: RegExp): Locator {
  const options = page.locator(`.el-popper ${selector}:visible`);
  return (text ? options.filter({ hasText: text }) : options).first();
}

describe("sysadmin in the browser", () => {
  it("changes the first password, creates a user, finds it by pinyin, switches language and logs out", async () => {
    const admin = server?.demoAccounts.find((a) => a.role === "sysadmin");
    if (!server || !browser || !admin) throw new Error("server did not seed a sysadmin demo account");

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    // Kept for the failure report: a broken asset or API call explains most UI timeouts.
    const network: string[] = [];
    page.on("requestfailed", (req) =>
      network.push(`failed ${req.method()} ${req.url()}: ${req.failure()?.errorText ?? ""}`),
    );
    page.on("response", (res) => {
      if (res.status() >= 400) network.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
    let step = 0;
    const shot = async (name: string): Promise<void> => {
      step += 1;
      await page.screenshot({ path: join(artifacts, `${String(step).padStart(2, "0")}-${name}.png`), fullPage: true });
    };

    try {
      // Log in with the seeded one-time password.
      await page.goto(`${server.url}/login`);
      await input(page, "login-username").fill(admin.username);
      await input(page, "login-password").fill(admin.password);
      await shot("login");
      await byTestId(page, "login-submit").click();

      // A seeded password must be replaced before anything else.
      await page.waitForURL(/\/change-password/);
      await input(page, "cp-current").fill(admin.password);
      await input(page, "cp-new").fill(NEW_PASSWORD);
      await input(page, "cp-confirm").fill(NEW_PASSWORD);
      await shot("change-password");
      await byTestId(page, "cp-submit").click();
      await page.waitForURL((url) => !url.pathname.startsWith("/change-password"));
      await shot("home");

      // Users page through the side menu (the entry sits in the "org" sub-menu).
      const usersEntry = byTestId(page, "menu-org-users");
      if (!(await usersEntry.isVisible())) await byTestId(page, "menu-org").click();
      await usersEntry.click();
      await page.waitForURL(/\/org\/users/);
      await expect.poll(() => byTestId(page, "users-table").isVisible(), { timeout: UI_TIMEOUT }).toBe(true);
      await shot("users");

      // Create a user in a unit and one of its departments.
      await byTestId(page, "users-create").click();
      await input(page, "user-form-username").fill(TESTER.username);
      await input(page, "user-form-name").fill(TESTER.displayName);
      // Unit: a tree-select; the office has departments in the demo organisation.
      await byTestId(page, "user-form-unit").click();
      const unitNode = visibleOption(page, ".el-tree-node__content", /^南宁市人民政府办公室$/);
      await unitNode.click();
      await unitNode.waitFor({ state: "hidden" });
      // Department: a plain select of the chosen unit's departments.
      await byTestId(page, "user-form-department").click();
      const department = visibleOption(page, ".el-select-dropdown__item");
      await department.click();
      await department.waitFor({ state: "hidden" });
      await shot("user-form");
      await byTestId(page, "user-form-submit").click();

      // The initial password is shown once.
      const secret = byTestId(page, "initial-password");
      await secret.waitFor({ state: "visible" });
      expect((await secret.innerText()).trim()).toMatch(/^\S{8,}$/);
      await shot("initial-password");
      await byTestId(page, "secret-close").click();
      await secret.waitFor({ state: "hidden" });

      // Pinyin search finds the new user by the sound of its Chinese name.
      await input(page, "users-search").fill(TESTER.pinyin);
      await input(page, "users-search").press("Enter");
      const table = byTestId(page, "users-table");
      await expect.poll(() => table.innerText(), { timeout: UI_TIMEOUT }).toContain(TESTER.username);
      await shot("users-search");

      // Language switch: English, then back to Simplified Chinese.
      await byTestId(page, "lang-switch").click();
      await byTestId(page, "lang-en").click();
      await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("en");
      await expect.poll(() => usersEntry.innerText(), { timeout: UI_TIMEOUT }).toMatch(/\bUsers?\b/);
      await shot("english");
      await byTestId(page, "lang-switch").click();
      await byTestId(page, "lang-zh-CN").click();
      await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("zh-CN");
      await expect.poll(() => usersEntry.innerText(), { timeout: UI_TIMEOUT }).toContain("用户");
      await shot("chinese");

      // Log out through the user menu.
      await byTestId(page, "user-menu").click();
      await byTestId(page, "logout").click();
      await page.waitForURL(/\/login/);
      await byTestId(page, "login-submit").waitFor({ state: "visible" });
      await shot("logged-out");

      expect(pageErrors).toEqual([]);
    } catch (error) {
      await page.screenshot({ path: join(artifacts, "failure.png"), fullPage: true }).catch(() => undefined);
      console.error(`browser failed at ${page.url()}\n${[...pageErrors, ...network].join("\n")}`);
      throw error;
    } finally {
      await context.close();
    }
  });
});

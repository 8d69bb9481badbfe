// The security administrator gives a new colleague a role on the 人员角色 page and
// that person's menu changes; a staff member finds a colleague in 通讯录 by pinyin,
// on a desktop and on a phone (390×844); the saved site name shows on the sign-in
// page, in the sidebar and in the tab title. Drives the built SPA through Debian's
// Chromium like admin-flow.test.ts; run `npm run build` first. Screenshots land in
// tests/browser/artifacts/secadmin-staff/ (or $SHOTS_DIR) for a person to look at.
import { join } from "node:path";
import { TOTP } from "otpauth";
import { type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../server/server.js";
import {
  apiSignInReplacing,
  byTestId,
  DESKTOP,
  input,
  NEW_PASSWORD,
  openBrowserSession,
  PHONE,
  repoRoot,
  signInInBrowser as signInAt,
  startBrowserHarness,
  withBrowserSession,
  type BrowserHarness,
  type BrowserSession,
} from "../helpers/browser.js";
import type { ApiClient } from "../helpers/apiClient.js";

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/secadmin-staff");

const UI_TIMEOUT = 15_000;
const SITE_NAME = "南宁市政务协同平台";
/** The newcomer who gets a role, and the colleague the staff member looks up. */
const NEWCOMER = { username: "new.colleague", displayName: "欧阳明月", pinyin: "oymy" };
const COLLEAGUE = { username: "zhuge.liang", displayName: "诸葛亮", pinyin: "zhugeliang", initials: "zgl" };

let server: RunningServer | undefined;
let browser: Browser | undefined;
let harness: BrowserHarness | undefined;

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  ({ server, browser } = harness);
});

afterAll(async () => {
  await harness?.close();
});

/** Select options are teleported to <body>; only those of the open dropdown are visible. */
function visibleOption(page: Page, selector: string, text: RegExp): Locator {
  return page.locator(`.el-popper ${selector}:visible`).filter({ hasText: text }).first();
}

/** Signs in over the API with a one-time password and replaces it, so the browser can use NEW_PASSWORD. */
function apiSignIn(username: string, password: string): Promise<ApiClient> {
  if (!server) throw new Error("no server");
  return apiSignInReplacing(server.url, username, password, NEW_PASSWORD);
}

function demoPassword(username: string): string {
  const account = server?.demoAccounts.find((a) => a.username === username);
  if (!account) throw new Error(`no demo account ${username}`);
  return account.password;
}

function openSession(viewport: { width: number; height: number }, prefix: string): Promise<BrowserSession> {
  if (!browser) throw new Error("no browser");
  return openBrowserSession(browser, { shotsDir: shots, prefix, viewport, timeoutMs: UI_TIMEOUT });
}

const signInInBrowser = (page: Page, username: string) => signInAt(page, server?.url ?? "", username, NEW_PASSWORD);

const withSession = (session: BrowserSession, run: () => Promise<void>) => withBrowserSession(session, shots, run);

/** The people this file works with: the newcomer has no role, the colleague is ordinary staff. */
async function prepareOrganisation(): Promise<{ colleaguePassword: string }> {
  const sysadmin = await apiSignIn("sysadmin", demoPassword("sysadmin"));
  const secadmin = await apiSignIn("secadmin", demoPassword("secadmin"));
  await apiSignIn("office.staff1", demoPassword("office.staff1"));
  expect((await sysadmin.patch("/api/settings/system", { siteName: SITE_NAME })).status).toBe(200);
  const tree = await sysadmin.get("/api/org/tree");
  const office = tree.body.units[0].children[0] as { id: number; departments: { id: number }[] };
  const positions = (await sysadmin.get("/api/org/positions")).body.items as { id: number; name: string }[];
  const colleague = await sysadmin.post("/api/org/users", {
    username: COLLEAGUE.username,
    displayName: COLLEAGUE.displayName,
    unitId: office.id,
    departmentId: office.departments[1]?.id ?? null,
    positionId: positions.find((p) => p.name === "科员")?.id ?? null,
    phone: "0771-2801234",
    email: "zhuge.liang@nanning.gov.cn",
  });
  expect(colleague.status, colleague.text).toBe(201);
  // The newcomer arrives while new accounts get no role, so the grant is what opens the modules.
  expect((await secadmin.patch("/api/settings/default-roles", { roleCodes: [] })).status).toBe(200);
  const newcomer = await sysadmin.post("/api/org/users", {
    username: NEWCOMER.username,
    displayName: NEWCOMER.displayName,
    unitId: office.id,
  });
  expect(newcomer.status, newcomer.text).toBe(201);
  await apiSignIn(NEWCOMER.username, newcomer.body.initialPassword);
  return { colleaguePassword: colleague.body.initialPassword };
}

let colleaguePassword = "";

describe("roles and the directory in the browser", () => {
  it("secadmin grants a role to a new user, whose menu then shows the modules and 通讯录", async () => {
    ({ colleaguePassword } = await prepareOrganisation());

    // The newcomer signs in: the site name is on the sign-in page; with no role there is only 首页.
    const user = await openSession(DESKTOP, "newcomer-desktop");
    await withSession(user, async () => {
      const { page } = user;
      await page.goto(`${server?.url}/login`);
      await expect.poll(() => byTestId(page, "site-name").innerText()).toBe(SITE_NAME);
      await expect.poll(() => page.title()).toContain(SITE_NAME);
      await user.shot("login-site-name");
      await signInInBrowser(page, NEWCOMER.username);
      await expect.poll(() => byTestId(page, "brand-name").innerText()).toBe(SITE_NAME);
      await expect.poll(() => byTestId(page, "menu-home").isVisible()).toBe(true);
      expect(await page.locator('[data-testid="menu-directory"]').count()).toBe(0);
      expect(await page.locator('[data-testid="menu-oa"]').count()).toBe(0);
      await user.shot("home-without-roles");

      // secadmin, on the 人员角色 page, finds the newcomer by pinyin initials and grants 工作人员.
      const admin = await openSession(DESKTOP, "secadmin-desktop");
      await withSession(admin, async () => {
        const { page: adminPage } = admin;
        await signInInBrowser(adminPage, "secadmin");
        const grantsEntry = byTestId(adminPage, "menu-security-grants");
        if (!(await grantsEntry.isVisible())) await byTestId(adminPage, "menu-security").click();
        await grantsEntry.click();
        await adminPage.waitForURL(/\/security\/grants/);
        await input(adminPage, "grants-search").fill(NEWCOMER.pinyin);
        await input(adminPage, "grants-search").press("Enter");
        const row = byTestId(adminPage, `grants-person-${NEWCOMER.username}`);
        await expect.poll(() => row.innerText()).toContain("暂无角色");
        await admin.shot("grants-found");
        await row.locator('[data-testid="grants-assign"]').click();
        const dialog = byTestId(adminPage, "assign-dialog");
        await dialog.waitFor({ state: "visible" });
        await byTestId(adminPage, "assign-role").click();
        const staffRole = visibleOption(adminPage, ".el-select-dropdown__item", /^工作人员$/);
        await staffRole.click();
        await staffRole.waitFor({ state: "hidden" });
        // A business role starts limited to the person's own unit.
        await expect.poll(() => byTestId(adminPage, "assign-scope").innerText()).toContain("南宁市人民政府办公室");
        await admin.shot("grant-dialog");
        await byTestId(adminPage, "assign-submit").click();
        await expect.poll(() => byTestId(adminPage, "assign-current").innerText()).toContain("工作人员");
        await admin.shot("granted");
        await adminPage.keyboard.press("Escape");
        await expect.poll(() => row.innerText()).toContain("工作人员 · 南宁市人民政府办公室");
        expect(admin.report()).not.toMatch(/pageerror/);
      });

      // The newcomer's next page load shows the modules and the directory.
      await page.reload();
      await expect.poll(() => byTestId(page, "menu-directory").isVisible(), { timeout: UI_TIMEOUT }).toBe(true);
      await expect.poll(() => byTestId(page, "menu-oa").isVisible()).toBe(true);
      await user.shot("home-with-staff-role");
      expect(user.report()).not.toMatch(/pageerror/);
    });
  });

  it("a staff member finds a colleague in 通讯录 by pinyin, on a desktop and on a phone", async () => {
    for (const [viewport, prefix] of [
      [DESKTOP, "staff-desktop"],
      [PHONE, "staff-phone"],
    ] as const) {
      const session = await openSession(viewport, prefix);
      await withSession(session, async () => {
        const { page } = session;
        await signInInBrowser(page, "office.staff1");
        if (viewport === DESKTOP) {
          await byTestId(page, "menu-directory").click();
        } else {
          // On a phone the menu is a drawer behind the header's menu button.
          await byTestId(page, "layout-menu-toggle").click();
          await byTestId(page, "menu-directory").click();
        }
        await page.waitForURL(/\/directory/);
        await expect.poll(() => byTestId(page, "directory-list").innerText()).toContain("南宁市人民政府");
        await session.shot("directory");
        // No 三员 account is among the colleagues.
        expect(await byTestId(page, "directory-list").innerText()).not.toMatch(/sysadmin|secadmin|auditor/);

        for (const q of [COLLEAGUE.pinyin, COLLEAGUE.initials]) {
          await input(page, "directory-search").fill(q);
          await input(page, "directory-search").press("Enter");
          const first = page.locator('[data-testid="directory-person"]').first();
          await expect.poll(() => first.innerText()).toContain(COLLEAGUE.displayName);
          const text = await first.innerText();
          expect(text).toContain("0771-2801234");
          expect(text).toContain("zhuge.liang@nanning.gov.cn");
          expect(text).toContain("科员");
        }
        await session.shot("found-by-pinyin");
        // Nothing on the page runs past the right edge of a phone.
        // The page's own width against the viewport's: evaluated in the browser, so no DOM types here.
        const [scrollWidth, innerWidth] = await page.evaluate<[number, number]>(
          "[document.documentElement.scrollWidth, window.innerWidth]",
        );
        expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
        expect(session.report()).not.toMatch(/pageerror/);
      });
    }
  });

  it("the TOTP step waits for input before it complains, and the role form explains the locked 三员 permissions", async () => {
    // The colleague turns on two-factor sign-in; the second step must not flag the empty code at once.
    const colleague = await apiSignIn(COLLEAGUE.username, colleaguePassword);
    const setup = await colleague.post("/api/auth/totp/setup");
    const totp = new TOTP({ secret: setup.body.secret });
    expect((await colleague.post("/api/auth/totp/enable", { code: totp.generate() })).status).toBe(200);
    const login = await openSession(PHONE, "totp-phone");
    await withSession(login, async () => {
      const { page } = login;
      await page.goto(`${server?.url}/login`);
      await input(page, "login-username").fill(COLLEAGUE.username);
      await input(page, "login-password").fill(NEW_PASSWORD);
      await byTestId(page, "login-submit").click();
      const code = input(page, "login-totp");
      await code.waitFor({ state: "visible" });
      await page.waitForTimeout(300);
      expect(await page.locator(".el-form-item__error:visible").count()).toBe(0);
      // The sign-in button lines up with the fields above it.
      const [field, button] = await Promise.all([
        page.locator(".el-input:has(input[data-testid='login-totp'])").boundingBox(),
        byTestId(page, "login-submit").boundingBox(),
      ]);
      expect(Math.abs((field?.x ?? 0) - (button?.x ?? -99))).toBeLessThanOrEqual(1);
      expect(Math.abs((field?.width ?? 0) - (button?.width ?? -99))).toBeLessThanOrEqual(1);
      await login.shot("totp-step");
    });

    const session = await openSession(PHONE, "secadmin-phone");
    await withSession(session, async () => {
      const { page } = session;
      await signInInBrowser(page, "secadmin");
      await page.goto(`${server?.url}/security/roles`);
      await byTestId(page, "roles-create").click();
      const locked = page.locator('[data-testid="perm-locked-reason"]:visible');
      await expect.poll(() => locked.count()).toBe(3);
      expect(await locked.first().innerText()).toContain("三员分立");
      expect(await page.locator('[data-testid="perm-audit.read"] input').isDisabled()).toBe(true);
      expect(await page.locator('[data-testid="perm-oa.use"] input').isDisabled()).toBe(false);
      await session.shot("role-form");
      await page.keyboard.press("Escape");

      // The profile's TOTP card: no error until the person typed something and pressed the button.
      await page.goto(`${server?.url}/profile`);
      await byTestId(page, "totp-setup").click();
      const code = input(page, "totp-code");
      await code.waitFor({ state: "visible" });
      const card = byTestId(page, "totp-card");
      expect(await card.locator(".el-form-item__error").count()).toBe(0);
      await code.fill("12");
      await byTestId(page, "totp-enable").click();
      await expect.poll(() => card.locator(".el-form-item__error").innerText()).toContain("6 位数字");
      await code.scrollIntoViewIfNeeded();
      await session.shot("totp-card");
    });
  });
});

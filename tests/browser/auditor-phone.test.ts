// The auditor reads a role change as a sentence with before and after, and the
// users page works on a phone (390×844): the menu is a drawer, each person's
// actions are in a menu. Drives the built SPA through Debian's Chromium like
// admin-flow.test.ts; run `npm run build` first. Screenshots land in
// tests/browser/artifacts/auditor-phone/ (or $SHOTS_DIR) for a person to look at.
import { join } from "node:path";
import { type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../server/server.js";
import {
  apiSignInReplacing,
  byTestId,
  DESKTOP,
  NEW_PASSWORD,
  openBrowserSession,
  PHONE,
  repoRoot,
  signInInBrowser,
  startBrowserHarness,
  type BrowserHarness,
  type BrowserSession,
} from "../helpers/browser.js";
import type { ApiClient } from "../helpers/apiClient.js";

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/auditor-phone");

const UI_TIMEOUT = 15_000;

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

/** Signs a demo account in over the API and replaces its one-time password, so the browser can use NEW_PASSWORD. */
async function apiSignIn(username: string): Promise<ApiClient> {
  const account = server?.demoAccounts.find((a) => a.username === username);
  if (!server || !account) throw new Error(`no demo account ${username}`);
  return apiSignInReplacing(server.url, username, account.password, NEW_PASSWORD);
}

function openSession(viewport: { width: number; height: number }, prefix: string): Promise<BrowserSession> {
  if (!browser) throw new Error("no browser");
  return openBrowserSession(browser, { shotsDir: shots, prefix, viewport, timeoutMs: UI_TIMEOUT });
}

const signIn = (page: Page, username: string) => signInInBrowser(page, server?.url ?? "", username, NEW_PASSWORD);

describe("the auditor reads changes as sentences", () => {
  it("shows a role grant as '安全管理员 为 张三 授予角色 …' with before → after, on a desktop and on a phone", async () => {
    const sysadmin = await apiSignIn("sysadmin");
    const secadmin = await apiSignIn("secadmin");
    await apiSignIn("auditor");

    // sysadmin creates 张三 in the education bureau; secadmin grants him 单位领导 there.
    const tree = await sysadmin.get("/api/org/tree");
    const bureau = (tree.body.units[0].children as { id: number; code: string }[]).find(
      (u) => u.code === "nanning.jyj",
    );
    if (!bureau) throw new Error("no education bureau in the demo organisation");
    const created = await sysadmin.post("/api/org/users", {
      username: "zhang.san",
      displayName: "张三",
      unitId: bureau.id,
    });
    expect(created.status).toBe(201);
    const userId: number = created.body.user.id;
    const roles = (await secadmin.get("/api/org/roles")).body.items as { id: number; code: string }[];
    const leader = roles.find((r) => r.code === "leader");
    const granted = await secadmin.post(`/api/org/users/${userId}/roles`, { roleId: leader?.id, unitId: bureau.id });
    expect(granted.status).toBe(200);
    // A change with an old value, and the security policy before → after.
    expect((await sysadmin.patch(`/api/org/users/${userId}`, { phone: "0771-5550000" })).status).toBe(200);
    expect((await secadmin.patch("/api/settings/security", { lockoutThreshold: 6 })).status).toBe(200);

    for (const [viewport, prefix] of [
      [DESKTOP, "desktop"],
      [PHONE, "phone"],
    ] as const) {
      const session = await openSession(viewport, `auditor-${prefix}`);
      const { page } = session;
      try {
        await signIn(page, "auditor");
        await page.goto(`${server?.url}/audit`);
        const table = byTestId(page, "audit-table");
        const grant = table.locator('[data-testid="audit-event"]', { hasText: "授予角色" }).first();
        await grant.waitFor({ state: "visible" });
        const text = await grant.innerText();
        expect(text).toMatch(
          /安全管理员 \S+（secadmin）\s*为\s*张三（zhang\.san）\s*授予角色“单位领导”（范围：南宁市教育局）/,
        );
        // Before → after: the person had no such role; now has it in that unit.
        expect(text).toMatch(/角色\s*—\s*→\s*单位领导（南宁市教育局）/);
        const phone = table.locator('[data-testid="audit-event"]', { hasText: "修改了用户" }).first();
        expect(await phone.innerText()).toMatch(/电话\s*—\s*→\s*0771-5550000/);
        const policy = table.locator('[data-testid="audit-event"]', { hasText: "安全策略" }).first();
        expect(await policy.innerText()).toMatch(/连续失败锁定次数\s*5\s*→\s*6/);
        // Routine page views are kept apart: none shown while the switch is off.
        expect(await table.innerText()).not.toMatch(/访问 GET/);
        await expect.poll(() => page.locator(".el-loading-mask:visible").count()).toBe(0);
        await session.shot("audit");
        if (viewport === PHONE) {
          const width = Number(await page.evaluate("document.documentElement.scrollWidth"));
          expect(width).toBeLessThanOrEqual(PHONE.width);
        }
        // On a phone the filters are folded away behind one line.
        if (viewport === PHONE) await page.locator(".filters-fold .el-collapse-item__header").click();
        await byTestId(page, "audit-routine").click();
        await expect.poll(() => table.innerText(), { timeout: UI_TIMEOUT }).toMatch(/访问 GET/);
        await expect.poll(() => page.locator(".el-loading-mask:visible").count()).toBe(0);
        await session.shot("audit-routine");
      } catch (error) {
        await page.screenshot({ path: join(shots, `auditor-${prefix}-failure.png`), fullPage: true });
        console.error(`browser failed at ${page.url()}\n${session.report()}`);
        throw error;
      } finally {
        await session.context.close();
      }
    }
  });
});

describe("the users page on a phone", () => {
  it("opens and closes the menu drawer and a user's actions menu at 390×844", async () => {
    const session = await openSession(PHONE, "users-phone");
    const { page } = session;
    try {
      await signIn(page, "sysadmin");
      const aside = byTestId(page, "layout-aside");
      const onScreen = async () => {
        const box = await aside.boundingBox();
        return (await aside.isVisible()) && box !== null && box.x >= 0;
      };
      // The menu does not take the screen: it waits behind the menu button.
      await expect.poll(onScreen).toBe(false);
      await session.shot("home");

      await byTestId(page, "layout-menu-toggle").click();
      await expect.poll(onScreen).toBe(true);
      await session.shot("drawer-open");
      const usersEntry = byTestId(page, "menu-org-users");
      if (!(await usersEntry.isVisible())) await byTestId(page, "menu-org").click();
      await usersEntry.click();
      await page.waitForURL(/\/org\/users/);
      // Choosing a page closes the drawer.
      await expect.poll(onScreen).toBe(false);

      const table = byTestId(page, "users-table");
      await table.locator('[data-testid="user-cell"]').first().waitFor({ state: "visible" });
      // Name first, readable: the cell holds the name and the username, not only an action column.
      const firstCell = await table.locator('[data-testid="user-cell"]').first().innerText();
      expect(firstCell).toMatch(/\p{Script=Han}/u);
      const cellBox = await table.locator('[data-testid="user-cell"]').first().boundingBox();
      expect(cellBox?.width ?? 0).toBeGreaterThan(200);
      expect(Number(await page.evaluate("document.documentElement.scrollWidth"))).toBeLessThanOrEqual(PHONE.width);
      await expect.poll(() => page.locator(".el-loading-mask:visible").count()).toBe(0);
      await session.shot("users");

      await table.locator('[data-testid="user-actions"]').first().click();
      const edit = page.locator('.el-dropdown-menu__item[data-testid="user-edit"]:visible').first();
      await edit.waitFor({ state: "visible" });
      await session.shot("user-actions");
      await edit.click();
      const dialog = page.locator(".el-dialog:visible").first();
      await dialog.waitFor({ state: "visible" });
      const dialogBox = await dialog.boundingBox();
      expect(dialogBox?.width ?? 0).toBeLessThanOrEqual(PHONE.width);
      await expect.poll(() => page.locator(".dialog-fade-enter-active").count()).toBe(0);
      await session.shot("user-edit");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });

      // The drawer also closes from its backdrop.
      await byTestId(page, "layout-menu-toggle").click();
      await expect.poll(onScreen).toBe(true);
      await byTestId(page, "layout-backdrop").click({ position: { x: PHONE.width - 20, y: PHONE.height / 2 } });
      await expect.poll(onScreen).toBe(false);
      await session.shot("drawer-closed");
    } catch (error) {
      await page.screenshot({ path: join(shots, "users-phone-failure.png"), fullPage: true });
      console.error(`browser failed at ${page.url()}\n${session.report()}`);
      throw error;
    } finally {
      await session.context.close();
    }
  });
});

// The notification centre in Chromium: notifications created through the service
// (as the OA module creates them) show as a count on the bell; the dropdown renders
// them in words, opening one marks it read and follows its link; the list page marks
// one and then all read, and the count drops each time; the bell picks up new ones on
// a page change and by its minute poll, and stops asking once signed out. On a desktop
// and on a phone (390×844). Run `npm run build` first. Screenshots land in
// tests/browser/artifacts/notifications/ (or $SHOTS_DIR).
import { join } from "node:path";
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../server/server.js";
import { notify } from "../../server/notify/services/notifier.js";
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
  withBrowserSession,
  type BrowserHarness,
  type BrowserSession,
} from "../helpers/browser.js";

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/notifications");

/** Document titles: real law names from the corpus. */
const laws = (
  JSON.parse(readFileSync(join(repoRoot, "../shared/corpus/laws/metadata.json"), "utf8")) as { name: string }[]
).map((law) => law.name);

let harness: BrowserHarness | undefined;
let server: RunningServer;
let browser: Browser;
let staffId = 0;
let registrarId = 0;

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  ({ server, browser } = harness);
  const password = (username: string) => server.demoAccounts.find((a) => a.username === username)!.password;
  const staff = await apiSignInReplacing(server.url, "office.staff1", password("office.staff1"), NEW_PASSWORD);
  staffId = (await staff.get("/api/auth/me")).body.user.id;
  const registrar = await apiSignInReplacing(
    server.url,
    "office.registrar",
    password("office.registrar"),
    NEW_PASSWORD,
  );
  registrarId = (await registrar.get("/api/auth/me")).body.user.id;
});

afterAll(async () => {
  await harness?.close();
});

/** Sends the staff member one notification of a kind, from the registrar, as the OA services will. */
function send(props: Omit<Parameters<typeof notify>[0], "recipients" | "actorId">): Promise<unknown> {
  return server.sequelize.transaction((t) => notify({ ...props, recipients: [staffId], actorId: registrarId }, t));
}

const badge = (page: Page) => page.locator('[data-testid="notify-bell"] .el-badge__content');

/** The count on the bell, or "" when it shows none. */
async function bellCount(page: Page): Promise<string> {
  return (await badge(page).isVisible()) ? (await badge(page).innerText()).trim() : "";
}

function openSession(viewport: { width: number; height: number }, prefix: string): Promise<BrowserSession> {
  return openBrowserSession(browser, { shotsDir: shots, prefix, viewport });
}

/** Waits for running CSS transitions (the dropdown fading in) to end, so a screenshot shows what a person sees. */
async function settled(page: Page): Promise<void> {
  await page.evaluate("Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null)))");
}

/** Nothing on the page is wider than the window (no sideways scrolling on a phone). */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const [scrollWidth, innerWidth] = await page.evaluate<[number, number]>(
    "[document.documentElement.scrollWidth, window.innerWidth]",
  );
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}

describe("the notification centre in the browser", () => {
  it("shows the count, renders the messages, marks read from the dropdown and the list (desktop)", async () => {
    await send({
      kind: "oa.task.assigned",
      params: { documentTitle: laws[0]!, nodeName: "部门核稿" },
      link: "/oa/documents/1",
    });
    await send({
      kind: "oa.task.urged",
      params: { documentTitle: laws[1]!, nodeName: "领导签发", message: "请今天下班前签发", byName: "韦文书" },
      link: "/profile",
    });
    await send({
      kind: "oa.task.remind",
      params: { documentTitle: laws[2]!, nodeName: "办公室审核", dueAt: new Date(Date.now() + 86_400_000) },
      link: null,
    });

    const session = await openSession(DESKTOP, "desktop");
    await withBrowserSession(session, shots, async () => {
      const { page } = session;
      await signInInBrowser(page, server.url, "office.staff1", NEW_PASSWORD);
      await expect.poll(() => bellCount(page)).toBe("3");
      await session.shot("bell-count");

      // The dropdown: every message in words (no placeholder left), newest first.
      await byTestId(page, "notify-bell").click();
      const items = page.locator('[data-testid="notify-item"]:visible');
      await expect.poll(() => items.count()).toBe(3);
      const texts = await items.allInnerTexts();
      expect(texts[0]).toContain(`《${laws[2]}》的“办公室审核”将于`);
      expect(texts[1]).toContain(`韦文书 催办《${laws[1]}》（领导签发）：请今天下班前签发`);
      expect(texts[2]).toContain(`《${laws[0]}》待您办理：部门核稿`);
      for (const text of texts) expect(text).not.toMatch(/[{}]|notify\.kinds/);
      await settled(page);
      await session.shot("dropdown");

      // Opening one marks it read and follows its link.
      await items.nth(1).click();
      await page.waitForURL((url) => url.pathname === "/profile");
      await expect.poll(() => bellCount(page)).toBe("2");

      // 全部通知: the list, unread first.
      await byTestId(page, "notify-bell").click();
      await page.locator('[data-testid="notify-all"]:visible').click();
      await page.waitForURL((url) => url.pathname === "/notifications");
      // The dropdown closed on the way.
      await expect.poll(() => byTestId(page, "notify-panel").isVisible()).toBe(false);
      const rows = page.locator('[data-testid="notify-row"]');
      await expect.poll(() => rows.count()).toBe(2);
      await settled(page);
      await session.shot("list-unread");
      await rows.first().locator('[data-testid="notify-row-read"]').click();
      await expect.poll(() => bellCount(page)).toBe("1");
      await byTestId(page, "notify-tab-all").click();
      await expect.poll(() => rows.count()).toBe(3);

      // Something new arrives: the bell sees it on the next page change.
      await send({
        kind: "oa.document.received",
        params: { documentTitle: laws[3]!, fromUnit: "南宁市教育局" },
        link: "/notifications",
      });
      await byTestId(page, "menu-home").click();
      await page.waitForURL((url) => url.pathname === "/");
      await expect.poll(() => bellCount(page)).toBe("2");
      await page.goBack();
      await page.waitForURL((url) => url.pathname === "/notifications");
      await byTestId(page, "notify-list-mark-all").click();
      await expect.poll(() => bellCount(page)).toBe("");
      await expect.poll(() => rows.count()).toBe(0);
      await session.shot("all-read");
    });
  });

  it("works on a phone, polls every minute, and stops asking once signed out", async () => {
    await send({
      kind: "oa.document.returned",
      params: { documentTitle: laws[4]!, nodeName: "部门核稿", byName: "黄科长", comment: "请补充政策依据后重新提交" },
      link: "/notifications",
    });
    await send({ kind: "archive.import.finished", params: { created: 120, failed: 3 }, link: null });

    const session = await openSession(PHONE, "phone");
    const { page } = session;
    // A clock the test can move: the minute's poll without waiting a minute.
    await page.clock.install();
    await withBrowserSession(session, shots, async () => {
      await signInInBrowser(page, server.url, "office.staff1", NEW_PASSWORD);
      await expect.poll(() => bellCount(page)).toBe("2");
      await expectNoSidewaysScroll(page);
      await session.shot("bell-count");

      // The dropdown fits the screen.
      await byTestId(page, "notify-bell").click();
      const panel = page.locator('[data-testid="notify-panel"]:visible');
      // The latest of all (the four of the desktop test, read, and the two new ones, unread).
      await expect.poll(() => page.locator('[data-testid="notify-item"]:visible').count()).toBe(6);
      expect(await page.locator('[data-testid="notify-item"].unread:visible').count()).toBe(2);
      const box = await panel.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
      expect(await panel.innerText()).toContain("档案导入已完成：新增 120 件，失败 3 件");
      await settled(page);
      await session.shot("dropdown");

      await page.locator('[data-testid="notify-all"]:visible').click();
      await page.waitForURL((url) => url.pathname === "/notifications");
      const rows = page.locator('[data-testid="notify-row"]');
      await expect.poll(() => rows.count()).toBe(2);
      await expectNoSidewaysScroll(page);
      await settled(page);
      await session.shot("list");

      // Opening the returned document marks it read.
      await rows.filter({ hasText: laws[4]! }).locator('[data-testid="notify-row-open"]').click();
      await expect.poll(() => bellCount(page)).toBe("1");

      // A new one while the person stays on the page: the minute's poll shows it.
      await send({
        kind: "oa.delegation.started",
        params: { fromName: "覃局长", startsAt: new Date(), endsAt: new Date(Date.now() + 7 * 86_400_000) },
        link: null,
      });
      await page.clock.fastForward(61_000);
      await expect.poll(() => bellCount(page)).toBe("2");
      // The list reloads after the bell has counted it: the new one is at the top once that answer is in.
      await expect.poll(() => rows.first().innerText()).toContain("覃局长 委托您在");
      await expect.poll(() => rows.count()).toBe(2);
      await session.shot("polled");

      // Signed out: no more polls.
      const polls: string[] = [];
      page.on("request", (req) => {
        if (req.url().includes("/api/notifications/unread-count")) polls.push(req.url());
      });
      await byTestId(page, "user-menu").click();
      await page.locator('[data-testid="logout"]:visible').click();
      await page.waitForURL((url) => url.pathname.startsWith("/login"));
      await page.clock.fastForward(5 * 61_000);
      await page.waitForTimeout(300);
      expect(polls).toEqual([]);
    });
  });
});

// The library's statistics screen (/library/manage/stats) in the built SPA through Debian's Chromium: a
// librarian sees the month's totals, the monthly bars and the daily line with its peak, on a desktop and
// at 390 px; a civil servant without library.manage gets the 403 page. Run `npm run build` first.
// Screenshots land in tests/browser/artifacts/library-stats/ (or $SHOTS_DIR).
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../server/server.js";
import { User } from "../../server/org/models/index.js";
import { recordUsage, type UsageKind } from "../../server/stats/services/usage.js";
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
} from "../helpers/browser.js";

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/library-stats");

let harness: BrowserHarness | undefined;
let server: RunningServer;
let browser: Browser;

/** Today and yesterday in the city's time (UTC+8), as the statistics count them. */
const cityDay = (at: Date) => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

async function apiSignIn(username: string) {
  const account = server.demoAccounts.find((a) => a.username === username);
  if (!account) throw new Error(`no demo account ${username}`);
  return apiSignInReplacing(server.url, username, account.password, NEW_PASSWORD);
}

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  ({ server, browser } = harness);
  // The demo organisation's librarian (图书管理员, library.manage) and a civil servant without it.
  await apiSignIn("librarian");
  await apiSignIn("office.staff1");
  // A day of use in this month: three patrons active two hours ago (the peak), one an hour later.
  const users = await User.findAll({ limit: 3, order: [["id", "ASC"]] });
  const now = Date.now();
  const uses: [number, UsageKind][] = [
    [0, "library.navigate"],
    [0, "library.search"],
    [1, "library.navigate"],
    [2, "library.download"],
  ];
  for (const [i, kind] of uses) await recordUsage({ kind, userId: users[i]!.id, at: new Date(now - 2 * 3600_000) });
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

describe("library statistics", () => {
  for (const [name, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    it(`shows a librarian the totals, the monthly bars and the daily peak (${name})`, async () => {
      const session = await openBrowserSession(browser, { shotsDir: shots, prefix: name, viewport });
      await withBrowserSession(session, shots, async () => {
        const { page } = session;
        await signInInBrowser(page, server.url, "librarian", NEW_PASSWORD);
        await page.goto(`${server.url}/library/manage/stats`);
        await byTestId(page, "library-stats-summary").waitFor();
        expect(await byTestId(page, "library-stats-total-navigations").innerText()).toContain("2");
        expect(await byTestId(page, "library-stats-total-searches").innerText()).toContain("1");
        expect(await byTestId(page, "library-stats-total-downloads").innerText()).toContain("1");
        expect(await byTestId(page, "library-stats-total-active").innerText()).toContain("3");
        // The peak: three patrons on the day the events were recorded (in the city's time).
        const day = cityDay(new Date(Date.now() - 2 * 3600_000));
        expect(await byTestId(page, "library-stats-total-peak").innerText()).toContain(day);
        if (day.slice(0, 7) === cityDay(new Date()).slice(0, 7))
          expect(await byTestId(page, "library-stats-month-peak").innerText()).toContain(day);
        // Both charts drew on their canvases.
        await page.locator('[data-testid="library-stats-monthly"] canvas').first().waitFor();
        await page.locator('[data-testid="library-stats-daily"] canvas').first().waitFor();
        // Nothing wider than the screen: the page itself never scrolls sideways (the table scrolls in its card).
        const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
        expect(overflow).toBeLessThanOrEqual(0);
        await session.shot("stats");
      });
    });
  }

  it("gives a civil servant without library.manage the 403 page", async () => {
    const session = await openBrowserSession(browser, { shotsDir: shots, prefix: "staff", viewport: DESKTOP });
    await withBrowserSession(session, shots, async () => {
      const { page } = session;
      await signInInBrowser(page, server.url, "office.staff1", NEW_PASSWORD);
      await page.goto(`${server.url}/library/manage/stats`);
      await byTestId(page, "page-403").waitFor();
      expect(await page.locator('[data-testid="library-stats"]').count()).toBe(0);
      await session.shot("forbidden");
    });
  });
});

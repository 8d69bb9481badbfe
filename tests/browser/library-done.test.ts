// The e-library's acceptance scenario (issue 8, "Done when"), end to end in Chromium:
// a member of the public opens the library without an account, browses 中图法 class K, finds 史記 卷一 and
// registers from its page; back on it, signed in, borrows it, reads to page 5 and closes the browser. Later, in a
// new browser on a phone, 我的图书馆 opens the book at page 5 again. A second patron finds the only copy lent and
// places a hold; when the first returns the book, the copy is kept for the second, who borrows and reads it.
// Run `npm run build` first; screenshots land in tests/browser/artifacts/library-done/ (or $SHOTS_DIR).
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LibraryLoan } from "../../server/library/models/index.js";
import { LibraryReadingPosition } from "../../server/library/models/reading.js";
import { User } from "../../server/org/models/index.js";
import {
  byTestId,
  DESKTOP,
  input,
  openBrowserSession,
  PHONE,
  repoRoot,
  signInInBrowser,
  startBrowserHarness,
  withBrowserSession,
  type BrowserHarness,
} from "../helpers/browser.js";
import { ApiClient } from "../helpers/apiClient.js";
import { addBook } from "../helpers/library.js";
import { fillRegistration, returnOnlyLoan } from "../helpers/libraryBrowser.js";

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/library-done");
const PASSWORD = "Yuedu#2026public";
const FIRST = "chen.jing@example.cn";
const SECOND = "13977110002";

let harness: BrowserHarness | undefined;
let shijiId = 0;

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  const shiji = await addBook(harness.server, "001《史記》卷一.pdf", {
    title: "史記 卷一",
    authors: ["司馬遷"],
    classCode: "K204.2",
    licenceModel: "copies",
    copies: 1,
  });
  shijiId = shiji.id;
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

const rendered = (page: Page, n: number) =>
  page.locator(`[data-testid="reader-page"][data-page="${n}"][data-rendered="true"]`).waitFor({ timeout: 60_000 });

/** The page the server keeps for a patron (the reader saves it a moment after each turn). */
async function keptPage(login: string): Promise<number | null> {
  const user = await User.findOne({ where: { username: login } });
  if (!user) return null;
  return (await LibraryReadingPosition.findOne({ where: { userId: user.id, titleId: shijiId } }))?.page ?? null;
}

describe("the e-library, as the issue's done-when scenario", () => {
  it("registers, browses class K, borrows 史記 卷一, reads to page 5 and finds it again; a hold gets the copy", async () => {
    const { server, browser } = harness!;

    const first = await openBrowserSession(browser, { shotsDir: shots, prefix: "first", viewport: DESKTOP });
    await withBrowserSession(first, shots, async () => {
      const { page } = first;
      // Not signed in: /library is the public catalogue.
      await page.goto(`${server.url}/library`);
      await page.waitForURL((url) => url.pathname === "/open/library");
      await byTestId(page, "class-K").click();
      await byTestId(page, "class-page").waitFor();
      const row = page.locator('[data-testid="title-row"]', { hasText: "史記 卷一" });
      await row.click();
      await page.waitForURL((url) => url.pathname === `/open/library/titles/${shijiId}`);
      await first.shot("public-title");

      // Register from the title's page, and come back to it signed in.
      await byTestId(page, "sign-in-to-borrow").getByRole("link", { name: /注册/ }).click();
      await page.waitForURL(/\/register/);
      await fillRegistration(page, { login: FIRST, name: "陈静", password: PASSWORD });
      await byTestId(page, "register-submit").click();
      await page.waitForURL((url) => url.pathname === `/library/titles/${shijiId}`);

      // Browsing class K signed in, as a patron would the next time.
      await page.goto(`${server.url}/library`);
      await byTestId(page, "class-K").click();
      await byTestId(page, "class-page").waitFor();
      await page.locator('[data-testid="title-row"]', { hasText: "史記 卷一" }).click();
      await page.waitForURL((url) => url.pathname === `/library/titles/${shijiId}`);
      await byTestId(page, "lending-borrow").click();
      await byTestId(page, "lending-loan").waitFor();
      await first.shot("borrowed");

      await byTestId(page, "lending-read").click();
      await page.waitForURL((url) => url.pathname === `/library/read/${shijiId}`);
      await rendered(page, 1);
      await input(page, "reader-page-input").fill("5");
      await input(page, "reader-page-input").press("Enter");
      await rendered(page, 5);
      await expect.poll(() => keptPage(FIRST), { timeout: 15_000 }).toBe(5);
      await first.shot("page-5");
    });

    // The browser closed; later, on a phone, in a new one: 我的图书馆 → read opens at page 5.
    const later = await openBrowserSession(browser, { shotsDir: shots, prefix: "later", viewport: PHONE });
    await withBrowserSession(later, shots, async () => {
      const { page } = later;
      await signInInBrowser(page, server.url, FIRST, PASSWORD);
      await page.waitForURL((url) => url.pathname === "/library");
      await page.goto(`${server.url}/library/me`);
      await byTestId(page, "my-loan").getByRole("button", { name: "阅读" }).click();
      await page.waitForURL((url) => url.pathname === `/library/read/${shijiId}`);
      await rendered(page, 5);
      await expect(byTestId(page, "reader-current").textContent()).resolves.toContain("第 5 页");
      await later.shot("page-5-again");
    });

    // A second patron: the only copy is lent, so a hold, first in the queue.
    const made = await new ApiClient(server.url).post("/api/library/patrons", {
      login: SECOND,
      displayName: "黄磊",
      password: PASSWORD,
    });
    expect(made.status).toBe(201);
    const second = await openBrowserSession(browser, { shotsDir: shots, prefix: "second", viewport: DESKTOP });
    await withBrowserSession(second, shots, async () => {
      const { page } = second;
      await signInInBrowser(page, server.url, SECOND, PASSWORD);
      await page.goto(`${server.url}/library/titles/${shijiId}`);
      await byTestId(page, "lending-place-hold").click();
      await expect.poll(() => byTestId(page, "lending-hold").innerText()).toContain("排第 1 位");

      // The first patron returns the book from 我的图书馆.
      const giveBack = await openBrowserSession(browser, { shotsDir: shots, prefix: "return", viewport: PHONE });
      await withBrowserSession(giveBack, shots, async () => {
        await signInInBrowser(giveBack.page, server.url, FIRST, PASSWORD);
        await returnOnlyLoan(giveBack.page, server.url);
      });

      // The copy is kept for the second patron, who borrows and reads it.
      await page.goto(`${server.url}/library/me`);
      await page.getByRole("tab", { name: /预约/ }).click();
      await expect.poll(() => byTestId(page, "my-hold-state").innerText()).toMatch(/已为您保留一本/);
      await second.shot("hold-ready");
      await byTestId(page, "my-hold-borrow").click();
      await page.getByRole("tab", { name: /借阅中/ }).click();
      await byTestId(page, "my-loan").getByRole("button", { name: "阅读" }).click();
      await rendered(page, 1);
      await second.shot("reading");
    });

    const loans = await LibraryLoan.findAll({ where: { titleId: shijiId }, order: [["id", "ASC"]] });
    expect(loans.map((l) => l.state)).toEqual(["returned", "active"]);
  }, 300_000);
});

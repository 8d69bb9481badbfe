// The e-library's reader as a patron meets it: office.staff1 borrows 史記 卷一 (../shared/corpus/books, vertical
// Traditional text in CID fonts whose text layer writes 人 as ⼈ U+2F08), opens the reader on a desktop, sees the
// first page drawn with its Chinese text and the watermark, searches 人 and gets hits marked on the page, goes to
// page 5 and bookmarks it; then the browser is closed, and on a phone (390×844) in a new context, signed in again,
// the reader opens at page 5 with the bookmark. Once the loan has expired the reader refuses with a link back.
// Run `npm run build` first; screenshots land in tests/browser/artifacts/library-reader/ (or $SHOTS_DIR).
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LibraryLoan } from "../../server/library/models/index.js";
import { LibraryReadingPosition } from "../../server/library/models/reading.js";
import { borrow, expireLoans } from "../../server/library/services/lending.js";
import { User } from "../../server/org/models/index.js";
import {
  apiSignInReplacing,
  byTestId,
  DESKTOP,
  input,
  NEW_PASSWORD,
  openBrowserSession,
  PHONE,
  repoRoot,
  signInInBrowser,
  startBrowserHarness,
  withBrowserSession,
  type BrowserHarness,
} from "../helpers/browser.js";
import { addBook } from "../helpers/library.js";

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/library-reader");

let harness: BrowserHarness | undefined;
let titleId = 0;
let openTitleId = 0;
let patronId = 0;

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  const { server } = harness;
  const title = await addBook(server, "001《史記》卷一.pdf", { title: "史記 卷一", classCode: "K204.2", copies: 1 });
  titleId = title.id;
  const open = await addBook(server, "《紅樓夢評論》王國維.pdf", { title: "紅樓夢評論", licenceModel: "open" });
  openTitleId = open.id;
  const initial = server.demoAccounts.find((a) => a.username === "office.staff1")!.password;
  await apiSignInReplacing(server.url, "office.staff1", initial, NEW_PASSWORD);
  patronId = (await User.findOne({ where: { username: "office.staff1" } }))!.id;
  await borrow(patronId, titleId, "staff");
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

/** Dark pixels on a page's canvas: a blank (white) canvas has none. */
async function inkOn(page: Page, n: number): Promise<number> {
  // A string: the test's TypeScript has no DOM types, the page runs it as it is.
  const dark = await page.evaluate(`(() => {
    const canvas = document.querySelector('[data-page="${n}"] canvas');
    const ctx = canvas && canvas.getContext("2d");
    if (!ctx) return 0;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let dark = 0;
    for (let i = 0; i < data.length; i += 16) if (data[i] < 128 && data[i + 1] < 128 && data[i + 2] < 128) dark += 1;
    return dark;
  })()`);
  return Number(dark);
}

/** The page the server keeps for the patron (the reader saves it a moment after each turn). */
const keptPage = async () =>
  (await LibraryReadingPosition.findOne({ where: { userId: patronId, titleId } }))?.page ?? null;

const rendered = (page: Page, n: number) =>
  page.locator(`[data-testid="reader-page"][data-page="${n}"][data-rendered="true"]`).waitFor();

describe("the reader", () => {
  it("reads, searches, keeps the place and a bookmark across browsers, and refuses once the loan has ended", async () => {
    const { server, browser } = harness!;
    const desk = await openBrowserSession(browser, { shotsDir: shots, prefix: "desktop", viewport: DESKTOP });
    await withBrowserSession(desk, shots, async () => {
      const { page } = desk;
      await signInInBrowser(page, server.url, "office.staff1", NEW_PASSWORD);
      // Every answer for the file is a byte range: the reader never asks for the whole book.
      const fileAnswers: number[] = [];
      page.on("response", (res) => {
        if (res.url().includes(`/api/library/titles/${titleId}/files/`)) fileAnswers.push(res.status());
      });
      await page.goto(`${server.url}/library/read/${titleId}`);
      await rendered(page, 1);
      expect(fileAnswers.length).toBeGreaterThan(0);
      expect(fileAnswers.every((status) => status === 206)).toBe(true);
      expect(await inkOn(page, 1)).toBeGreaterThan(500);
      // Page 1 is the cover (a picture); page 2, drawn beside it, is text: drawn in its CID fonts through the
      // CMaps, with a text layer holding the book's Chinese (Kangxi radicals among it).
      await rendered(page, 2);
      expect(await inkOn(page, 2)).toBeGreaterThan(500);
      await page.locator('[data-page="2"] .textLayer span').first().waitFor({ state: "attached" });
      const text = await page.locator('[data-page="2"] .textLayer').textContent();
      expect(text).toContain("史記");
      // Only the pages in view are drawn, not the whole book.
      const total = Number((await byTestId(page, "reader-total").textContent())!.replace(/\D/g, ""));
      expect(total).toBeGreaterThan(5);
      expect(await page.locator("[data-testid=reader-page] canvas").count()).toBeLessThan(total);
      await expect(byTestId(page, "reader-watermark").isVisible()).resolves.toBe(true);
      await desk.shot("first-page");

      // Ctrl+F opens the search; 人 finds the ⼈ of the text layer.
      await page.keyboard.press("Control+f");
      await input(page, "reader-search-input").fill("人");
      await input(page, "reader-search-input").press("Enter");
      await byTestId(page, "reader-hit-count").waitFor();
      await page.waitForFunction('!document.body.textContent.includes("正在搜索")', undefined, { timeout: 60_000 });
      const hits = await page.locator("[data-testid=reader-hit]").count();
      expect(hits).toBeGreaterThan(0);
      await page.locator(".textLayer .hit-current").first().waitFor();
      await desk.shot("search");

      // Page 5 by the page box, kept on the server; a bookmark there.
      await input(page, "reader-page-input").fill("5");
      await input(page, "reader-page-input").press("Enter");
      await rendered(page, 5);
      await expect.poll(keptPage, { timeout: 10_000 }).toBe(5);
      await expect(byTestId(page, "reader-current").textContent()).resolves.toContain("第 5 页");
      const marked = page.waitForResponse(
        (res) => res.url().endsWith("/bookmarks") && res.request().method() === "POST",
      );
      await byTestId(page, "reader-bookmark-toggle").click();
      expect((await marked).status()).toBe(201);
      // The keyboard turns pages too; back to 5 with the arrows, and it is kept again.
      await page.locator("[data-testid=reader-scroller]").click({ position: { x: 5, y: 5 } });
      await page.keyboard.press("ArrowRight");
      await expect(byTestId(page, "reader-current").textContent()).resolves.toContain("第 6 页");
      await expect.poll(keptPage, { timeout: 10_000 }).toBe(6);
      await page.keyboard.press("ArrowLeft");
      await expect.poll(keptPage, { timeout: 10_000 }).toBe(5);
      await desk.shot("page-5");
    });

    // A new browser context (the browser closed and opened again), on a phone.
    const phone = await openBrowserSession(browser, { shotsDir: shots, prefix: "phone", viewport: PHONE });
    await withBrowserSession(phone, shots, async () => {
      const { page } = phone;
      await signInInBrowser(page, server.url, "office.staff1", NEW_PASSWORD);
      await page.goto(`${server.url}/library/read/${titleId}`);
      await rendered(page, 5);
      await expect(byTestId(page, "reader-current").textContent()).resolves.toContain("第 5 页");
      expect(await inkOn(page, 5)).toBeGreaterThan(500);
      await byTestId(page, "reader-sidebar-toggle").click();
      await page.getByRole("tab", { name: "书签" }).click();
      await page.locator("[data-testid=reader-bookmark]").first().waitFor();
      await expect(page.locator("[data-testid=reader-bookmark]").count()).resolves.toBe(1);
      await expect(page.locator("[data-testid=reader-bookmark]").textContent()).resolves.toContain("第 5 页");
      await phone.shot("restored");

      // The loan ends (past due, returned by the expiry job): the reader refuses and links back to the title.
      await LibraryLoan.update({ dueAt: new Date(Date.now() - 60_000) }, { where: { userId: patronId, titleId } });
      expect(await expireLoans()).toBe(1);
      await page.reload();
      await byTestId(page, "reader-refused").waitFor();
      await expect(
        page.locator(`[data-testid=reader-refused] a[href="/library/titles/${titleId}"]`).count(),
      ).resolves.toBe(1);
      await phone.shot("refused");
    });
  }, 240_000);

  it("lets a visitor who has not signed in read and download an open-access book, on a phone", async () => {
    const { server, browser } = harness!;
    const visitor = await openBrowserSession(browser, { shotsDir: shots, prefix: "visitor", viewport: PHONE });
    await withBrowserSession(visitor, shots, async () => {
      const { page } = visitor;
      // The signed-in address sends a visitor to the public reader.
      await page.goto(`${server.url}/library/read/${openTitleId}`);
      await page.waitForURL(`**/open/library/read/${openTitleId}`);
      await rendered(page, 1);
      // Its cover: little ink at a phone's width, but not a blank canvas.
      expect(await inkOn(page, 1)).toBeGreaterThan(100);
      // No watermark over open access, no bookmarks without an account, and a download link.
      await expect(page.locator("[data-testid=reader-watermark]").count()).resolves.toBe(0);
      await expect(page.locator("[data-testid=reader-bookmark-toggle]").count()).resolves.toBe(0);
      const href = await byTestId(page, "reader-download").getAttribute("href");
      expect(href).toMatch(/\/content\?download=1$/);
      const download = await page.request.get(`${server.url}${href}`);
      expect(download.status()).toBe(200);
      expect(download.headers()["content-disposition"]).toMatch(/^attachment/);
      await visitor.shot("open-access");
      // A borrowed book is refused to a visitor, with the way back to its page in the public catalogue.
      await page.goto(`${server.url}/open/library/read/${titleId}`);
      await byTestId(page, "reader-refused").waitFor();
      await expect(
        page.locator(`[data-testid=reader-refused] a[href="/open/library/titles/${titleId}"]`).count(),
      ).resolves.toBe(1);
    });
  }, 120_000);
});

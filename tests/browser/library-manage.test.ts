// The librarian keeps the catalogue in the browser: uploads 《詩經集傳》卷一.pdf from the corpus, finds its title,
// page count and cover read from the PDF in the form that opens, files it in class I (文学) and saves; the title is
// in the list and in the catalogue at /library. A batch of two corpus books and a CSV list (with one row whose file
// is missing) shows its progress and a report. At 390 px the list is cards without sideways scrolling and the form
// is full screen; a civil servant without library.manage (office.staff1) gets the 403 page.
// Run `npm run build` first; screenshots land in tests/browser/artifacts/library-manage/ (or $SHOTS_DIR).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
  type BrowserSession,
} from "../helpers/browser.js";
import { CORPUS_BOOKS } from "../helpers/library.js";

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/library-manage");
const SHIJING = "《詩經集傳》卷一.pdf";
const SHIJI = "001《史記》卷一.pdf";
const ZIZHI = "001《資治通鑑》卷一.pdf";

let harness: BrowserHarness | undefined;

/** Page errors and failed answers, but for the sign-in probe of the login page (401). */
const problemsOf = (session: BrowserSession) =>
  session
    .report()
    .split("\n")
    .filter((line) => line && !/^401 GET \S+\/api\/auth\/me$/.test(line));

async function signIn(username: string) {
  if (!harness) throw new Error("no harness");
  const account = harness.server.demoAccounts.find((a) => a.username === username);
  if (!account) throw new Error(`no demo account ${username}`);
  await apiSignInReplacing(harness.server.url, account.username, account.password, NEW_PASSWORD);
}

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  await signIn("librarian");
  await signIn("office.staff1");
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

describe("the librarian's catalogue screens", () => {
  it("uploads 詩經集傳, checks what was read from the PDF, files it in class I; a batch import reports (desktop)", async () => {
    if (!harness) throw new Error("no harness");
    const { server, browser } = harness;
    const session = await openBrowserSession(browser, { shotsDir: shots, prefix: "librarian", viewport: DESKTOP });
    const { page } = session;
    await withBrowserSession(session, shots, async () => {
      await signInInBrowser(page, server.url, "librarian", NEW_PASSWORD);
      // The menu has the librarian's entries.
      await expect.poll(() => byTestId(page, "menu-library-manage-titles").innerText()).toContain("图书管理");
      await expect.poll(() => byTestId(page, "menu-library-manage-imports").innerText()).toContain("批量导入");
      await page.goto(`${server.url}/library/manage/titles`);
      await byTestId(page, "manage-titles").waitFor();

      await byTestId(page, "manage-upload-open").click();
      const dialog = byTestId(page, "manage-upload-dialog");
      await dialog.locator("input[type=file]").setInputFiles(join(CORPUS_BOOKS, SHIJING));
      await expect.poll(() => byTestId(page, "manage-upload-summary").innerText()).toContain("1 个文件");
      await session.shot("upload");
      await byTestId(page, "manage-upload-submit").click();

      // The title was created at once; its form shows what the server read from the PDF.
      const form = byTestId(page, "manage-title-form");
      await byTestId(page, "manage-fresh-note").waitFor({ timeout: 60_000 });
      await expect.poll(() => input(page, "manage-field-title").inputValue()).toBe("詩經集傳");
      await expect.poll(() => byTestId(page, "manage-field-authors").innerText()).toContain("朱熹");
      await expect.poll(() => byTestId(page, "manage-page-count").innerText()).toBe("14 页");
      const cover = byTestId(page, "manage-cover");
      await expect.poll(() => cover.getAttribute("src")).toMatch(/^\/api\/library\/titles\/\d+\/cover\?v=/);
      // The picture itself arrived and decoded (0 until it has; the tests' TypeScript has no DOM types).
      const coverWidth = () =>
        page.evaluate(`document.querySelector('[data-testid="manage-cover"]')?.naturalWidth ?? 0`);
      await expect.poll(async () => Number(await coverWidth())).toBeGreaterThan(100);
      await expect.poll(() => form.locator('[data-testid="manage-file"]').count()).toBe(1);

      // A wrong check digit is caught as it is typed, with the reason.
      await input(page, "manage-field-isbn").fill("978-7-101-00304-9");
      await input(page, "manage-field-isbn").blur();
      await expect.poll(() => form.innerText()).toContain("ISBN 校验位不对");
      await input(page, "manage-field-isbn").fill("");

      // Class I (文学) from the tree.
      await byTestId(page, "manage-field-class").click();
      await page.keyboard.type("文学");
      await page
        .locator(".el-tree-node__content:visible", { hasText: /^I 文学$/ })
        .first()
        .click();
      await expect.poll(() => byTestId(page, "manage-field-class").innerText()).toContain("I 文学");
      await session.shot("form");
      await byTestId(page, "manage-save").click();
      await expect.poll(() => page.locator(".el-message--success").first().innerText()).toContain("已保存");

      const list = byTestId(page, "manage-title-list");
      await expect.poll(() => list.innerText()).toContain("詩經集傳");
      await expect.poll(() => list.innerText()).toMatch(/詩經集傳[\s\S]*\bI\b/);
      await expect(list.locator("img").first().getAttribute("src")).resolves.toMatch(/\/cover\?v=/);
      // Found by its author.
      await input(page, "manage-search").fill("朱熹");
      await byTestId(page, "manage-search-button").click();
      await expect.poll(() => list.innerText()).toContain("詩經集傳");
      await session.shot("list");

      // In the catalogue every reader browses, under class I.
      await server.drainSearch();
      await page.goto(`${server.url}/library`);
      await expect.poll(() => byTestId(page, "shelf-newArrivals").innerText()).toContain("詩經集傳");
      await expect.poll(() => byTestId(page, "class-I").locator("xpath=..").innerText()).toMatch(/文学\s*1/);
      await session.shot("catalogue");

      // A batch: two books and a CSV list, with a row whose file was not chosen.
      await page.goto(`${server.url}/library/manage/imports`);
      await byTestId(page, "manage-imports").waitFor();
      await byTestId(page, "manage-import-files").setInputFiles([join(CORPUS_BOOKS, SHIJI), join(CORPUS_BOOKS, ZIZHI)]);
      const csv = [
        "file,title,authors,classCode,licenceModel,copies",
        `${SHIJI},史記 卷一,司馬遷,K204.2,copies,2`,
        `${ZIZHI},資治通鑑 卷一,司馬光,K204.3,pool,5`,
        "不存在.pdf,无此书,,K,copies,1",
      ].join("\n");
      await byTestId(page, "manage-import-csv").setInputFiles({
        name: "list.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(csv),
      });
      await expect.poll(() => byTestId(page, "manage-import-summary").innerText()).toContain("2 本图书");
      await expect.poll(() => byTestId(page, "manage-import-csv-name").innerText()).toBe("list.csv");
      await byTestId(page, "manage-import-submit").click();
      const run = byTestId(page, "manage-import-run");
      await run.waitFor();
      await byTestId(page, "manage-import-progress").waitFor();
      await expect.poll(() => byTestId(page, "manage-import-status").innerText(), { timeout: 90_000 }).toBe("已完成");
      await expect
        .poll(() => byTestId(page, "manage-import-counts").innerText())
        .toBe("已处理 3/3 行：新增 2，更新 0，失败 1");
      await expect.poll(() => byTestId(page, "manage-import-progress").getAttribute("aria-valuenow")).toBe("100");
      const report = byTestId(page, "manage-import-report");
      await expect.poll(() => report.innerText()).toContain("史記 卷一");
      await expect.poll(() => report.innerText()).toContain("資治通鑑 卷一");
      await expect.poll(() => report.innerText()).toContain("清单中的文件不在上传的文件夹里");
      await expect.poll(() => byTestId(page, "manage-import-history").innerText()).toContain("librarian");
      await session.shot("import");

      await page.goto(`${server.url}/library/manage/titles`);
      await expect.poll(() => byTestId(page, "manage-title-list").innerText()).toContain("資治通鑑 卷一");
      await expect.poll(() => byTestId(page, "manage-title-list").innerText()).toContain("并发共享 · 5 人");
      expect(problemsOf(session)).toEqual([]);
    });
  });

  it("at 390 px the list is cards without sideways scrolling, and the form fills the screen", async () => {
    if (!harness) throw new Error("no harness");
    const { server, browser } = harness;
    const session = await openBrowserSession(browser, { shotsDir: shots, prefix: "phone", viewport: PHONE });
    const { page } = session;
    await withBrowserSession(session, shots, async () => {
      await signInInBrowser(page, server.url, "librarian", NEW_PASSWORD);
      await page.goto(`${server.url}/library/manage/titles`);
      const cards = page.locator('[data-testid="manage-title"]');
      await expect.poll(() => cards.count()).toBe(3);
      await expect.poll(() => cards.first().innerText()).toContain("编辑");
      expect(Number(await page.evaluate("document.documentElement.scrollWidth"))).toBeLessThanOrEqual(PHONE.width);
      await session.shot("list");

      await cards.filter({ hasText: "詩經集傳" }).getByText("编辑").click();
      const form = page.locator(".el-dialog.is-fullscreen", { hasText: "编辑图书" });
      await form.waitFor();
      await expect.poll(() => input(page, "manage-field-title").inputValue()).toBe("詩經集傳");
      await session.shot("form");
      // Full height; as wide as the house style lets a phone's dialogs be (styles/index.css: 100vw - 24px).
      // (Polled: the dialog slides in, a fraction of a pixel off until its transition ends.)
      await expect.poll(async () => Math.round((await form.boundingBox())?.y ?? -1)).toBe(0);
      const box = await form.boundingBox();
      expect(box?.height).toBeGreaterThanOrEqual(PHONE.height);
      expect(box?.width).toBe(PHONE.width - 24);
      expect(problemsOf(session)).toEqual([]);
    });
  });

  it("a civil servant without library.manage gets the 403 page", async () => {
    if (!harness) throw new Error("no harness");
    const { server, browser } = harness;
    const session = await openBrowserSession(browser, { shotsDir: shots, prefix: "staff", viewport: DESKTOP });
    const { page } = session;
    await withBrowserSession(session, shots, async () => {
      await signInInBrowser(page, server.url, "office.staff1", NEW_PASSWORD);
      await page.goto(`${server.url}/library/manage/titles`);
      await byTestId(page, "page-403").waitFor();
      await expect(page.locator('[data-testid="manage-titles"]').count()).resolves.toBe(0);
      await expect(page.locator('[data-testid="menu-library-manage-titles"]').count()).resolves.toBe(0);
      await session.shot("forbidden");
      expect(problemsOf(session)).toEqual([]);
    });
  });
});

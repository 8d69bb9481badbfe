// The archive as its users meet it: an archivist uploads two folders of laws on the
// imports page (one 公开 with the laws' metadata.json, one 内部 with a 文号 from a CSV
// sidecar) and reads which file failed; a member of the public, without signing in, finds a
// 公开 law by a two-character word and by its 文号 typed with square brackets, opens
// it, and cannot find the 内部 one, whose page answers "not found"; a staff member
// who signs in finds the 内部 one. A 公开 book imported as a PDF is read in the page
// (pdf.js, by byte ranges). The advanced search form narrows to titles and leaves a word out, its
// conditions shown as tags that remove them. Desktop and phone (390×844). Run `npm run build`
// first; screenshots land in tests/browser/artifacts/archive/ (or $SHOTS_DIR).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handOverToArchive, type HandOver } from "../../server/archive/services/intake.js";
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

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/archive");
const LAWS = join(repoRoot, "../shared/corpus/laws");
const OPEN = [
  "行政法/义务教育法(2018-12-29).md",
  "行政法/教育法(2021-04-29).md",
  "经济法/税收征收管理法(2015-04-24).md",
];
/** A 公开 original read in the browser: vertical Traditional Chinese in embedded CID fonts, 23 pages. */
const BOOK = { file: join(repoRoot, "../shared/corpus/books/《紅樓夢評論》王國維.pdf"), name: "紅樓夢評論.pdf" };
const INTERNAL = {
  file: "行政法/高等教育法(2018-12-29).md",
  docNumber: "南府发〔2006〕12号",
  typed: "南府发[2006]12号",
};

let harness: BrowserHarness | undefined;
const folders: string[] = [];

/** Copies corpus files into a fresh folder, keeping their category folders. */
function folderOf(files: string[]): string {
  const folder = mkdtempSync(join(tmpdir(), "yong-archive-"));
  folders.push(folder);
  for (const file of files) {
    const [category = "", name = ""] = file.split("/");
    mkdirSync(join(folder, category), { recursive: true });
    copyFileSync(join(LAWS, file), join(folder, category, name));
  }
  return folder;
}

/** The folders the archivist uploads: 公开 laws with a damaged PDF and a book; one 内部 law and its CSV. */
let openFolder = "";
let internalFolder = "";
let internalCsv = "";

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  openFolder = folderOf(OPEN);
  writeFileSync(join(openFolder, "damaged.pdf"), "%PDF-1.7\nnot a PDF\n");
  copyFileSync(BOOK.file, join(openFolder, BOOK.name));
  internalFolder = folderOf([INTERNAL.file]);
  internalCsv = join(internalFolder, "..", `${internalFolder.split("/").pop()}.csv`);
  writeFileSync(
    internalCsv,
    `fileName,docNumber,openness\n${INTERNAL.file.split("/")[1]},${INTERNAL.docNumber},内部\n`,
  );
  folders.push(internalCsv);
  // Two 发文 handed over by the OA's 归档 step: one is filed with its 档号, one waits (its original is missing).
  const handOver = (n: number, original: HandOver["original"]) =>
    harness!.server.sequelize.transaction((t) =>
      handOverToArchive(
        {
          sourceKey: `oa:document:${n}`,
          title: `南宁市人民政府办公厅关于第${n}季度政务公开工作的通报`,
          docNumber: `南府办〔2006〕${n}号`,
          issuers: ["南宁市人民政府办公厅"],
          issuedOn: "2006-04-03",
          body: "各县区人民政府，市直各单位：现将政务公开工作情况通报如下。",
          openness: "内部",
          retention: "永久",
          fondsCode: "J001",
          organCode: "BGS",
          submittedBy: "office.registrar",
          original,
        },
        t,
      ),
    );
  await handOver(1, null);
  await handOver(2, { sha256: "0".repeat(64), size: 1, fileName: "通报.pdf", format: "pdf" });
});

afterAll(async () => {
  await harness?.close();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe("an archivist", () => {
  it("imports folders from the browser and reads which file failed and why", async () => {
    if (!harness) throw new Error("no harness");
    const { server, browser } = harness;
    const account = (name: string) => server.demoAccounts.find((a) => a.username === name);
    const sys = account("sysadmin");
    const sec = account("secadmin");
    if (!sys || !sec) throw new Error("no demo administrators");
    const sysadmin = await apiSignInReplacing(server.url, sys.username, sys.password, NEW_PASSWORD);
    const secadmin = await apiSignInReplacing(server.url, sec.username, sec.password, NEW_PASSWORD);
    // In the city's root unit (not unit 1: the library's public patrons' unit, made by a migration, may be).
    const city = (await sysadmin.get("/api/org/tree")).body.units[0] as { id: number };
    const created = await sysadmin.post("/api/org/users", {
      username: "dang.an",
      displayName: "档案员甲",
      unitId: city.id,
    });
    expect(created.status, created.text).toBe(201);
    const roles = (await secadmin.get("/api/org/roles")).body.items as { id: number; code: string }[];
    const archivistRole = roles.find((r) => r.code === "archivist");
    const grant = await secadmin.post(`/api/org/users/${created.body.user.id}/roles`, {
      roleId: archivistRole?.id,
      unitId: null,
    });
    expect(grant.status, grant.text).toBe(200);
    await apiSignInReplacing(server.url, "dang.an", created.body.initialPassword, NEW_PASSWORD);

    /** Chooses a folder (and a metadata file) in the upload dialog, sends it, and waits for its run to finish. */
    async function upload(page: Page, folder: string, metadata: string, openness: "公开" | "内部", runs: number) {
      await byTestId(page, "archive-upload-open").click();
      const dialog = byTestId(page, "archive-upload-dialog");
      await dialog.waitFor();
      await byTestId(page, "archive-upload-folder").setInputFiles(folder);
      await byTestId(page, "archive-upload-metadata").setInputFiles(metadata);
      await expect.poll(() => byTestId(page, "archive-upload-summary").innerText()).toContain(folder.split("/").pop());
      await dialog.getByText(openness === "公开" ? "公开（所有人可查）" : "内部（仅登录的工作人员可见）").click();
      await byTestId(page, "archive-upload-submit").click();
      await dialog.waitFor({ state: "hidden" });
      const newest = page.locator('[data-testid="archive-import-run"]').first();
      await expect.poll(() => page.locator('[data-testid="archive-import-run"]').count()).toBe(runs);
      await expect.poll(() => newest.innerText(), { timeout: 60_000 }).toContain("已完成");
      return newest;
    }

    for (const [label, viewport] of [
      ["desktop", DESKTOP],
      ["phone", PHONE],
    ] as const) {
      const session = await openBrowserSession(browser, { shotsDir: shots, prefix: `archivist-${label}`, viewport });
      const { page } = session;
      await withBrowserSession(session, shots, async () => {
        await signInInBrowser(page, server.url, "dang.an", NEW_PASSWORD);
        await page.goto(`${server.url}/archive/imports`);
        if (label === "desktop") {
          await byTestId(page, "archive-upload-open").click();
          await byTestId(page, "archive-upload-folder").setInputFiles(openFolder);
          await expect.poll(() => byTestId(page, "archive-upload-summary").innerText()).toContain("5");
          await session.shot("upload-dialog");
          await page.keyboard.press("Escape");
          await byTestId(page, "archive-upload-dialog").waitFor({ state: "hidden" });
          const first = await upload(page, openFolder, join(LAWS, "metadata.json"), "公开", 1);
          expect(await first.innerText()).toMatch(/新增 4[\s\S]*失败 1/);
          await upload(page, internalFolder, internalCsv, "内部", 2);
          // The job brings the index up to date after each run; the public's searches below need it.
          await server.drainSearch();

          // What the OA handed over: the filed document with its 档号, the failed one with its reason.
          await page.getByRole("tab", { name: "OA 归档接收" }).click();
          const items = page.locator('[data-testid="archive-intake-item"]');
          await expect.poll(() => items.count()).toBe(2);
          await expect
            .poll(() => items.allInnerTexts(), { timeout: 30_000 })
            .toEqual([
              expect.stringMatching(/归档失败[\s\S]*原件不在文件存储中[\s\S]*重试/),
              expect.stringMatching(/已归档[\s\S]*档号 J001-2006-Y-BGS-0001/),
            ]);
          await session.shot("intake");
          await page.getByRole("tab", { name: "文件导入" }).click();
        } else {
          await expect.poll(() => page.locator('[data-testid="archive-import-run"]').count()).toBe(2);
        }
        await session.shot("imports");
        await page.locator('[data-testid="archive-import-report"]').nth(1).click();
        const problems = byTestId(page, "archive-import-problems");
        await expect.poll(() => problems.innerText()).toContain("damaged.pdf");
        expect(await problems.innerText()).toContain("文件损坏");
        await session.shot("report");
      });
    }
  });
});

async function search(page: Page, text: string): Promise<void> {
  await input(page, "archive-q").fill(text);
  await byTestId(page, "archive-search").click();
  await page.waitForURL((url) => url.searchParams.get("q") === text);
  await page.waitForLoadState("networkidle");
}

describe("the public archive (政府信息公开)", () => {
  for (const [label, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    it(`finds 公开 documents by a two-character word and by 文号, never an 内部 one (${label})`, async () => {
      if (!harness) throw new Error("no harness");
      const { server, browser } = harness;
      const session = await openBrowserSession(browser, { shotsDir: shots, prefix: `public-${label}`, viewport });
      const { page } = session;
      await withBrowserSession(session, shots, async () => {
        await page.goto(`${server.url}/open/archive`);
        await byTestId(page, "archive-hit").waitFor();
        await session.shot("home");

        await search(page, "教育");
        const titles = await page.locator('[data-testid="archive-hit"] a').allInnerTexts();
        expect(titles.join("|")).toContain("义务教育法");
        expect(titles.join("|")).not.toContain("高等教育法");
        await expect.poll(() => page.locator('[data-testid="archive-hit"] mark').first().innerText()).toBe("教育");
        await session.shot("search-word");

        // The 内部 document's 文号 finds nothing without signing in.
        await search(page, INTERNAL.typed);
        await expect.poll(() => page.locator('[data-testid="archive-hit"]').count()).toBe(0);
        await session.shot("docnumber-internal-hidden");

        // Suggestions as one types: 公开 titles only (高等教育法 is 内部).
        const box = input(page, "archive-q");
        await box.fill("");
        const answered = page.waitForResponse((r) => r.url().includes("/api/archive/suggest?q=%E9%AB%98%E7%AD%89"));
        await box.pressSequentially("高等", { delay: 30 });
        expect((await (await answered).json()).items).toEqual([]);
        await box.fill("");
        await box.pressSequentially("义务教", { delay: 30 });
        const suggestion = page.locator('[data-testid="archive-suggestion"]').first();
        await expect.poll(() => suggestion.innerText()).toContain("义务教育法");
        expect(await suggestion.locator("mark").first().innerText()).toBe("义务教");
        await session.shot("suggestions");

        await search(page, "义务教育");
        await page.locator('[data-testid="archive-hit"] a', { hasText: "义务教育法" }).first().click();
        await expect.poll(() => byTestId(page, "archive-record-title").innerText()).toContain("义务教育法");
        expect(await byTestId(page, "archive-body").innerText()).toContain("国家实行九年义务教育制度");
        await session.shot("record");

        // Choosing a suggestion opens its record straight away.
        await page.goto(`${server.url}/open/archive`);
        await input(page, "archive-q").pressSequentially("税收征收", { delay: 30 });
        await page.locator('[data-testid="archive-suggestion"]', { hasText: "税收征收管理法" }).first().click();
        await expect.poll(() => byTestId(page, "archive-record-title").innerText()).toContain("税收征收管理法");
        expect(page.url()).toMatch(/\/open\/archive\/records\/\d+$/);
        // Nothing failed but the sign-in check a visitor's page makes (401 from /api/auth/me).
        const problems = session
          .report()
          .split("\n")
          .filter((line) => line && !/^401 GET \S+\/api\/auth\/me$/.test(line));
        expect(problems).toEqual([]);
      });
    });

    it(`searches with the advanced form: title only, an excluded word, removable tags, Back (${label})`, async () => {
      if (!harness) throw new Error("no harness");
      const { server, browser } = harness;
      const session = await openBrowserSession(browser, { shotsDir: shots, prefix: `advanced-${label}`, viewport });
      const { page } = session;
      const hitTitles = () => page.locator('[data-testid="archive-hit"] a').allInnerTexts();
      const tagKinds = () =>
        page.locator('[data-testid="archive-condition"]').evaluateAll((tags) => tags.map((tag) => tag.dataset.kind));
      const openForm = async () => {
        await byTestId(page, "archive-advanced-toggle").click();
        await byTestId(page, "archive-advanced").waitFor();
      };
      await withBrowserSession(session, shots, async () => {
        await page.goto(`${server.url}/open/archive`);
        await byTestId(page, "archive-hit").waitFor();
        await openForm();
        // Phones get one full-width column; a desktop puts the first three fields side by side.
        const q = (await byTestId(page, "adv-q").boundingBox())!;
        const phrase = (await byTestId(page, "adv-phrase").boundingBox())!;
        const form = (await byTestId(page, "archive-advanced").boundingBox())!;
        if (viewport.width < 500) {
          expect(phrase.y).toBeGreaterThan(q.y + q.height);
          // The form fills the page's width, and each field the form's.
          expect(form.x).toBeGreaterThanOrEqual(0);
          expect(form.x + form.width).toBeLessThanOrEqual(viewport.width);
          expect(form.width).toBeGreaterThan(viewport.width * 0.85);
          expect(form.x + form.width - (q.x + q.width)).toBeLessThan(60);
        } else {
          expect(phrase.y).toBe(q.y);
          expect(phrase.x).toBeGreaterThan(q.x + q.width);
        }
        await input(page, "adv-q").fill("教育");
        await byTestId(page, "adv-scope-title").click();
        await session.shot("form");
        await byTestId(page, "adv-submit").click();
        await page.waitForURL((url) => url.searchParams.get("in") === "title" && url.searchParams.get("q") === "教育");
        await page.waitForLoadState("networkidle");
        // 教育 in the title: the two 公开 education laws, never the 内部 高等教育法, nor laws with 教育 only in the text.
        await expect.poll(async () => (await hitTitles()).length).toBe(2);
        const titleOnly = await hitTitles();
        expect(titleOnly.every((title) => title.includes("教育"))).toBe(true);
        expect(titleOnly.join("|")).toContain("义务教育法");
        expect(titleOnly.join("|")).not.toContain("高等教育法");
        expect(await tagKinds()).toEqual(["q", "scope"]);
        await session.shot("title-only");

        // The form opens with the search in effect; 义务 excluded leaves the other one.
        await openForm();
        expect(await input(page, "adv-q").inputValue()).toBe("教育");
        await input(page, "adv-not").fill("义务");
        await byTestId(page, "adv-submit").click();
        await page.waitForURL((url) => url.searchParams.get("not") === "义务");
        await page.waitForLoadState("networkidle");
        await expect.poll(async () => (await hitTitles()).length).toBe(1);
        const excluded = await hitTitles();
        expect(excluded[0]).toContain("教育法");
        expect(excluded[0]).not.toContain("义务");
        expect(await tagKinds()).toEqual(["q", "not", "scope"]);
        expect(await byTestId(page, "archive-conditions").innerText()).toContain("不包含：义务");
        await session.shot("excluded");

        // Closing the 不包含 tag removes that condition only.
        await page.locator('[data-testid="archive-condition"][data-kind="not"] .el-tag__close').click();
        await page.waitForURL((url) => !url.searchParams.has("not") && url.searchParams.get("in") === "title");
        await page.waitForLoadState("networkidle");
        await expect.poll(async () => (await hitTitles()).length).toBe(2);
        expect(await tagKinds()).toEqual(["q", "scope"]);
        await session.shot("tag-removed");

        // Back returns to the search with the exclusion.
        await page.goBack();
        await page.waitForURL((url) => url.searchParams.get("not") === "义务");
        await expect.poll(async () => (await hitTitles()).length).toBe(1);
        expect(await tagKinds()).toEqual(["q", "not", "scope"]);
        const problems = session
          .report()
          .split("\n")
          .filter((line) => line && !/^401 GET \S+\/api\/auth\/me$/.test(line));
        expect(problems).toEqual([]);
      });
    });

    it(`reads a 公开 record's PDF in the page, its first page drawn before the whole file is fetched (${label})`, async () => {
      if (!harness) throw new Error("no harness");
      const { server, browser } = harness;
      const session = await openBrowserSession(browser, { shotsDir: shots, prefix: `pdf-${label}`, viewport });
      const { page } = session;
      const fileStatuses: number[] = [];
      page.on("response", (res) => {
        if (!/\/api\/archive\/records\/\d+\/file$/.test(new URL(res.url()).pathname)) return;
        fileStatuses.push(res.status());
      });
      await withBrowserSession(session, shots, async () => {
        await page.goto(`${server.url}/open/archive`);
        // Typed in Simplified, found in Traditional.
        await search(page, "红楼梦");
        await page.locator('[data-testid="archive-hit"] a', { hasText: "紅樓夢評論" }).first().click();
        await byTestId(page, "archive-original").waitFor();
        await expect.poll(() => byTestId(page, "pdf-pages").innerText()).toMatch(/第 \d+ \/ 23 页/);
        const firstPage = page.locator('[data-testid="pdf-page"][data-page="1"] canvas');
        await firstPage.waitFor();
        // The viewer marks the first page once pdf.js has finished drawing it.
        await page.waitForFunction(() => performance.getEntriesByName("yong:pdf-first-page").length > 0);
        // Drawn: a canvas of the page's width with ink on it (text is dark on a light page): over 0.5 % of it.
        const inked = () =>
          firstPage.evaluate((node) => {
            // Evaluated in the browser: the canvas described by the little of it used, as there are no DOM types here.
            type Canvas = {
              width: number;
              height: number;
              getContext(kind: "2d"): { getImageData(...box: number[]): { data: ArrayLike<number> } } | null;
            };
            const canvas = node as unknown as Canvas;
            const data = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
            let dark = 0;
            for (let i = 0; i + 2 < data.length; i += 4) {
              if ((data[i] ?? 255) + (data[i + 1] ?? 255) + (data[i + 2] ?? 255) < 300) dark += 1;
            }
            return dark / Math.max(1, canvas.width * canvas.height);
          });
        await expect.poll(inked, { timeout: 20_000 }).toBeGreaterThan(0.005);
        const box = await firstPage.boundingBox();
        expect(box?.width).toBeGreaterThan(viewport.width * 0.6);
        expect(box?.width).toBeLessThanOrEqual(viewport.width);
        await byTestId(page, "archive-original").scrollIntoViewIfNeeded();
        await session.shot("first-page");
        // pdf.js asked for byte ranges, and had drawn the first page before it had the whole file: the bytes of
        // the ranges (206) that had arrived when the viewer marked the first page drawn. Its first request, for
        // the whole file, is cancelled once the answer's headers say ranges work (on loopback, with much of the
        // file already in flight).
        expect(fileStatuses).toContain(206);
        const received = await page.evaluate(() => {
          const [drawn] = performance.getEntriesByName("yong:pdf-first-page");
          const answers = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
          return answers
            .filter(
              (e) => /\/file$/.test(e.name) && e.responseStatus === 206 && drawn && e.responseEnd <= drawn.startTime,
            )
            .reduce((sum, e) => sum + e.encodedBodySize, 0);
        });
        expect(Number(received)).toBeGreaterThan(0);
        expect(Number(received)).toBeLessThan(statSync(BOOK.file).size);
        expect(await byTestId(page, "archive-original-download").getAttribute("download")).toBe(BOOK.name);
        // Zooming in draws the page larger than the width it was fitted to.
        const zoomOf = async () => Number((await byTestId(page, "pdf-zoom").innerText()).replace("%", ""));
        const fitted = await zoomOf();
        await byTestId(page, "pdf-zoom-in").click();
        await expect.poll(zoomOf).toBeGreaterThan(fitted);
        await expect.poll(async () => (await firstPage.boundingBox())?.width ?? 0).toBeGreaterThan(box?.width ?? 0);
        // The CMaps and standard fonts pdf.js fetches for fonts a PDF does not embed are served with the app.
        const { version } = JSON.parse(readFileSync(join(repoRoot, "node_modules/pdfjs-dist/package.json"), "utf8"));
        for (const asset of ["cmaps/UniGB-UCS2-H.bcmap", "standard_fonts/FoxitSerif.pfb"]) {
          expect((await fetch(`${server.url}/assets/pdfjs-${version}/${asset}`)).status, asset).toBe(200);
        }
        const problems = session
          .report()
          .split("\n")
          .filter((line) => line && !/^401 GET \S+\/api\/auth\/me$/.test(line));
        expect(problems).toEqual([]);
      });
    });
  }

  it("shows staff who sign in the 内部 document, found by its 文号", async () => {
    if (!harness) throw new Error("no harness");
    const { server, browser } = harness;
    const staff = server.demoAccounts.find((a) => a.username === "office.staff1");
    if (!staff) throw new Error("no demo staff account");
    await apiSignInReplacing(server.url, staff.username, staff.password, NEW_PASSWORD);
    const session = await openBrowserSession(browser, { shotsDir: shots, prefix: "staff", viewport: DESKTOP });
    const { page } = session;
    await withBrowserSession(session, shots, async () => {
      await signInInBrowser(page, server.url, staff.username, NEW_PASSWORD);
      await page.goto(`${server.url}/archive`);
      await search(page, INTERNAL.typed);
      await expect.poll(() => page.locator('[data-testid="archive-hit"]').count()).toBe(1);
      await expect.poll(() => byTestId(page, "archive-total").innerText()).toContain(INTERNAL.docNumber);
      await session.shot("docnumber-internal");
      await page.locator('[data-testid="archive-hit"] a').first().click();
      await expect.poll(() => byTestId(page, "archive-record-title").innerText()).toContain("高等教育法");
      const recordUrl = page.url();
      await session.shot("record-internal");

      // The same page, without the session: not found.
      const visitor = await openBrowserSession(browser, { shotsDir: shots, prefix: "visitor", viewport: DESKTOP });
      await withBrowserSession(visitor, shots, async () => {
        await visitor.page.goto(recordUrl.replace("/archive/records/", "/open/archive/records/"));
        await byTestId(visitor.page, "archive-missing").waitFor();
        await visitor.shot("internal-not-found");
      });
    });
  });
});

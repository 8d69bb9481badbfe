// 公文 in Chromium, each role in its own browser: a 通知 drafted in the editor goes through 核稿, a
// 会签 that returns it to the drafter (who fixes the 正文: a new revision, the diff shows it), then
// again through 核稿, 会签, 签发, 复核, 编号 (南府办发, the 文号 on the page), 用印 (the PDF read
// back with pdf.js: 文号 and title on page 1), 分发 to two bureaus whose registrars sign for it (签收,
// seen on the sender's page) and 归档. A second test covers 撤回, 转办, 委托 and 加签; a third the
// lists and the document page at 390 px. The menu's badges equal the lists' totals along the way.
// Run `npm run build` first. Screenshots land in tests/browser/artifacts/oa-documents/ (or $SHOTS_DIR).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../server/server.js";
import { ApiClient } from "../helpers/apiClient.js";
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
  type BrowserHarness,
  type BrowserSession,
} from "../helpers/browser.js";

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/oa-documents");
const pdfjsRoot = dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));

/** The 正文 comes from the 义务教育法 of the corpus: the 通知 asks two bureaus to carry it out. */
const LAW = readFileSync(join(repoRoot, "../shared/corpus/laws/行政法/义务教育法(2018-12-29).md"), "utf8");
const article = (n: string) => {
  const line = LAW.split("\n").find((l) => l.startsWith(`第${n}条 `));
  if (!line) throw new Error(`第${n}条 is not in the corpus file`);
  return line.slice(`第${n}条 `.length).trim();
};

let harness: BrowserHarness | undefined;
let server: RunningServer;
let browser: Browser;
/** Display names by username (the person pickers search by name). */
const names = new Map<string, string>();
/** Accounts that can sign in with NEW_PASSWORD. */
const ready = new Set<string>();

/** Gives an account NEW_PASSWORD: printed demo accounts change theirs, the others get one from the system administrator. */
async function prepare(username: string): Promise<void> {
  if (ready.has(username)) return;
  const printed = server.demoAccounts.find((a) => a.username === username);
  let initial = printed?.password;
  const sysadmin = await apiSignInReplacingOnce("sysadmin");
  const found = await sysadmin.get(`/api/org/users?q=${encodeURIComponent(username)}`);
  const user = found.body.items.find((u: { username: string }) => u.username === username);
  if (!user) throw new Error(`no account ${username}`);
  names.set(username, user.displayName);
  if (!initial) {
    const reset = await sysadmin.post(`/api/org/users/${user.id}/reset-password`);
    if (reset.status !== 200) throw new Error(`reset ${username}: ${reset.text}`);
    initial = reset.body.initialPassword as string;
  }
  await apiSignInReplacing(server.url, username, initial, NEW_PASSWORD);
  ready.add(username);
}

let sysadminClient: ApiClient | undefined;
async function apiSignInReplacingOnce(username: "sysadmin"): Promise<ApiClient> {
  if (sysadminClient) return sysadminClient;
  const account = server.demoAccounts.find((a) => a.username === username)!;
  sysadminClient = await apiSignInReplacing(server.url, username, account.password, NEW_PASSWORD);
  return sysadminClient;
}

/** A signed-in API client of a prepared account (to bring a document to where a test starts). */
async function api(username: string): Promise<ApiClient> {
  const client = new ApiClient(server.url);
  const res = await client.post("/api/auth/login", { username, password: NEW_PASSWORD });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.text}`);
  return client;
}

/** The caller's first open task on a document is done (同意 …), with these extras. */
async function apiApprove(client: ApiClient, id: number, body: Record<string, unknown> = {}): Promise<void> {
  const view = await client.get(`/api/oa/documents/${id}`);
  const task = view.body.myTasks[0];
  if (!task) throw new Error(`no task on ${id}: ${view.text}`);
  const res = await client.post(`/api/oa/tasks/${task.id}/approve`, body);
  if (res.status !== 200) throw new Error(`approve ${task.nodeName}: ${res.text}`);
}

/** An outgoing 通知 of the city office taken over the API through 分发 to the education bureau; its title. */
async function distributedToEducation(title: string): Promise<void> {
  const drafter = await api("office.staff1");
  const leader = await api("office.leader");
  const registrar = await api("office.registrar");
  const tree = await drafter.get("/api/org/tree");
  const education = (tree.body.units[0].children as { id: number; code: string; name: string }[]).find(
    (u) => u.code === "nanning.jyj",
  )!;
  const made = await drafter.post("/api/oa/documents", {
    docType: "通知",
    title,
    mainRecipients: [{ unitId: education.id, name: education.name }],
    bodyHtml: `<p>${article("七")}</p><p>${article("八")}</p>`,
  });
  if (made.status !== 201) throw new Error(made.text);
  const id = made.body.id as number;
  await drafter.post(`/api/oa/documents/${id}/submit`, {});
  await apiApprove(leader, id); // 部门核稿
  await apiApprove(registrar, id); // 办公室审核
  await apiApprove(leader, id); // 领导签发
  await apiApprove(registrar, id); // 复核
  const codes = await registrar.get("/api/oa/number-codes");
  await registrar.post(`/api/oa/documents/${id}/number`, { codeId: codes.body.items[0].id });
  for (let step = 0; step < 3; step++) await apiApprove(registrar, id); // 登记编号, 用印, 分发
}

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  ({ server, browser } = harness);
  for (const username of [
    "office.staff1",
    "office.leader",
    "office.registrar",
    "office.staff2",
    "office.staff3",
    "office.staff4",
    "jyj.registrar",
    "czj.registrar",
    "jyj.leader",
    "jyj.staff1",
    "jyj.staff2",
    "jyj.staff3",
  ])
    await prepare(username);
});

afterAll(async () => {
  await harness?.close();
});

/** One person in a browser of their own. */
interface Person {
  username: string;
  name: string;
  session: BrowserSession;
  page: Page;
}

/** Signs a person in, in a browser context of their own (their own cookies). */
async function open(username: string, prefix: string, viewport = DESKTOP): Promise<Person> {
  const session = await openBrowserSession(browser, { shotsDir: shots, prefix, viewport, timeoutMs: 20_000 });
  await signInInBrowser(session.page, server.url, username, NEW_PASSWORD);
  return { username, name: names.get(username) ?? username, session, page: session.page };
}

/** Runs a test with several people's browsers; on failure every page is photographed and its errors printed. */
async function withPeople(people: Person[], run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    for (const p of people) {
      await p.page
        .screenshot({ path: join(shots, `failure-${p.username}.png`), fullPage: true })
        .catch(() => undefined);
      console.error(`${p.username} at ${p.page.url()}\n${p.session.report()}`);
    }
    throw error;
  } finally {
    for (const p of people) await p.session.context.close().catch(() => undefined);
  }
}

const isApi = (page: Page, method: string, path: RegExp) =>
  page.waitForResponse((r) => r.request().method() === method && path.test(new URL(r.url()).pathname));

/** Opens a list (待办 …) from the menu and waits for its rows. */
async function openList(page: Page, route: "oa-todo" | "oa-to-read" | "oa-done" | "oa-drafts" | "oa-overdue") {
  const box = {
    "oa-todo": "todo",
    "oa-to-read": "toRead",
    "oa-done": "done",
    "oa-drafts": "drafts",
    "oa-overdue": "overdue",
  }[route];
  const loaded = isApi(page, "GET", new RegExp(`^/api/oa/inbox/${box}$`));
  const path = {
    "oa-todo": "/oa/todo",
    "oa-to-read": "/oa/to-read",
    "oa-done": "/oa/done",
    "oa-drafts": "/oa/drafts",
    "oa-overdue": "/oa/overdue",
  }[route];
  if (new URL(page.url()).pathname === path) {
    // Already there: the menu would not load it again.
    await page.reload();
  } else {
    const item = byTestId(page, `menu-${route}`);
    if (!(await item.isVisible())) await byTestId(page, "menu-oa").click();
    await item.click();
  }
  await loaded;
  await page.locator('[data-testid="inbox-total"][data-state="ready"]').waitFor();
}

/** The menu's count beside a list ("" when it shows none). */
async function badge(page: Page, route: string): Promise<string> {
  const el = byTestId(page, `menu-badge-${route}`);
  return (await el.isVisible()) ? (await el.innerText()).trim() : "";
}

/** The total a list says it has ("共 3 件" → 3). */
async function listTotal(page: Page): Promise<number> {
  const text = await byTestId(page, "inbox-total").innerText();
  return Number(/\d+/.exec(text)?.[0] ?? "NaN");
}

/** The badge of the open list equals its total and the rows shown. */
async function expectBadgeMatchesList(page: Page, route: string): Promise<number> {
  const total = await listTotal(page);
  const rows = await page.locator('[data-testid="inbox-title"]:visible').count();
  expect(rows).toBe(total);
  await expect.poll(() => badge(page, route)).toBe(total ? String(total) : "");
  return total;
}

/** From 待办, opens the document with this title. */
async function openFromTodo(page: Page, title: string): Promise<number> {
  await openList(page, "oa-todo");
  await page.locator('[data-testid="inbox-title"]:visible', { hasText: title }).first().click();
  await page.waitForURL(/\/oa\/documents\/\d+$/);
  await byTestId(page, "doc-title").waitFor();
  return Number(/(\d+)$/.exec(new URL(page.url()).pathname)?.[1]);
}

/** Element Plus puts a data-testid on the native input or textarea, or on its wrapper. */
function field(scope: Locator, testId: string): Locator {
  return scope
    .locator(
      `input[data-testid="${testId}"], textarea[data-testid="${testId}"], [data-testid="${testId}"] input, [data-testid="${testId}"] textarea`,
    )
    .first();
}

/** Types a name into a person picker and takes the option of that person. */
async function pickPerson(page: Page, picker: string, name: string): Promise<void> {
  const box = page.locator(`input[data-testid="${picker}"]:visible, [data-testid="${picker}"]:visible input`).first();
  await box.click({ force: true });
  const found = isApi(page, "GET", /^\/api\/org\/directory$/);
  await box.fill(name);
  await found;
  await page
    .locator(".el-select-dropdown__item:visible", { hasText: `${name}（` })
    .first()
    .click();
}

/** The main button (提交, 同意, 签发 …) with its dialog: a comment, and people for the next step when asked. */
async function approve(page: Page, props: { label?: string; comment?: string; chosen?: string[] } = {}) {
  const button = page.locator('[data-testid="action-approve"]:visible, [data-testid="action-submit"]:visible').first();
  if (props.label) expect((await button.innerText()).trim()).toBe(props.label);
  await button.click();
  const dialog = page.locator('[data-testid="approve-dialog"]:visible');
  await dialog.waitFor();
  if (props.comment) await field(dialog, "approve-comment").fill(props.comment);
  for (const name of props.chosen ?? []) await pickPerson(page, "approve-chosen", name);
  if (props.chosen?.length) {
    // The multiple select keeps its list open: a click elsewhere in the dialog closes it.
    await dialog.locator(".el-dialog__title").click();
    await page.locator(".el-select-dropdown:visible").waitFor({ state: "hidden" });
  }
  const done = isApi(page, "POST", /^\/api\/oa\/(tasks\/\d+\/approve|documents\/\d+\/submit)$/);
  const reloaded = isApi(page, "GET", /^\/api\/oa\/documents\/\d+$/);
  await dialog.locator('[data-testid="approve-confirm"]').click();
  const answer = await done;
  expect(answer.status(), await answer.text()).toBe(200);
  await reloaded;
  await dialog.waitFor({ state: "hidden" });
}

/** The document as the server has it now (through the person's own session). */
async function documentOf(page: Page, id: number) {
  const res = await page.request.get(`${server.url}/api/oa/documents/${id}`);
  expect(res.status()).toBe(200);
  return res.json() as Promise<{
    status: string;
    docNumber: string | null;
    bodyRevision: number;
    process: { currentNodeId: string | null } | null;
  }>;
}

/** The text of a PDF's first page, read with pdf.js (items joined: a title may break across lines). */
async function firstPageText(data: Uint8Array): Promise<string> {
  const pdf = await getDocument({
    data,
    cMapUrl: join(pdfjsRoot, "cmaps") + "/",
    cMapPacked: true,
    standardFontDataUrl: join(pdfjsRoot, "standard_fonts") + "/",
    disableFontFace: true,
    isEvalSupported: false,
    useSystemFonts: false,
    verbosity: 0,
  }).promise;
  try {
    const page = await pdf.getPage(1);
    const content = await page.getTextContent();
    return content.items.map((item) => ("str" in item ? item.str : "")).join("");
  } finally {
    await pdf.destroy();
  }
}

/** Waits for running CSS transitions (a tab fading in) to end, so a screenshot shows what a person sees. */
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

/** 拟稿 in the browser: a 通知 with a title and one paragraph, submitted at once; its id. */
async function draftAndSubmit(page: Page, props: { title: string; body: string; countersign?: boolean }) {
  await page.goto(`${server.url}/oa/documents/new`);
  await input(page, "form-title").fill(props.title);
  if (props.countersign) await byTestId(page, "form-countersign").click();
  await page.locator('[data-testid="body-editor"] .ProseMirror').click();
  await page.keyboard.insertText(props.body);
  const created = isApi(page, "POST", /^\/api\/oa\/documents$/);
  const submitted = isApi(page, "POST", /^\/api\/oa\/documents\/\d+\/submit$/);
  await byTestId(page, "draft-submit").click();
  const id = ((await (await created).json()) as { id: number }).id;
  expect((await submitted).status()).toBe(200);
  await page.waitForURL(new RegExp(`/oa/documents/${id}$`));
  await byTestId(page, "doc-title").waitFor();
  return id;
}

/** Chooses people in the dialog of 转办, 加签 or 传阅 and confirms; waits for the server's answer. */
async function choosePeople(page: Page, action: "transfer" | "addSigners", who: string[], comment?: string) {
  const testId = action === "transfer" ? "action-transfer" : "action-add-signers";
  await byTestId(page, testId).click();
  const dialog = page.locator(`[data-testid="people-dialog-${action}"]:visible`);
  await dialog.waitFor();
  for (const name of who) await pickPerson(page, "people-picker", name);
  if (who.length > 1 || action === "addSigners") {
    await dialog.locator(".el-dialog__title").click();
    await page.locator(".el-select-dropdown:visible").waitFor({ state: "hidden" });
  }
  if (comment) await field(dialog, "people-comment").fill(comment);
  const path = action === "transfer" ? /^\/api\/oa\/tasks\/\d+\/transfer$/ : /^\/api\/oa\/documents\/\d+\/signers$/;
  const done = isApi(page, "POST", path);
  await dialog.locator('[data-testid="people-confirm"]').click();
  const answer = await done;
  expect(answer.status(), await answer.text()).toBe(200);
  await dialog.waitFor({ state: "hidden" });
}

/** Answers the prompt of a message box (撤回, 催办 …) and waits for the server. */
async function answerPrompt(page: Page, text: string, path: RegExp): Promise<void> {
  const box = page.locator(".el-message-box:visible");
  await box.waitFor();
  if (text) await box.locator("textarea, input").first().fill(text);
  const done = isApi(page, "POST", path);
  await box.locator(".el-message-box__btns .el-button--primary").click();
  const answer = await done;
  expect(answer.status(), await answer.text()).toBe(200);
}

describe("公文 in the browser", () => {
  it("drafts a 通知, returns it from the 会签, fixes, signs, numbers, seals, distributes, signs for and archives it", async () => {
    const title = "关于认真贯彻实施《中华人民共和国义务教育法》的通知";
    const drafter = await open("office.staff1", "flow-drafter");
    const leader = await open("office.leader", "flow-leader");
    const registrar = await open("office.registrar", "flow-registrar");
    const signer2 = await open("office.staff2", "flow-signer2");
    const signer3 = await open("office.staff3", "flow-signer3");
    const people = [drafter, leader, registrar, signer2, signer3];
    await withPeople(people, async () => {
      // 拟稿 from the menu: the GB/T 9704 elements and the 正文 in the editor.
      let page = drafter.page;
      await byTestId(page, "menu-oa").click();
      await byTestId(page, "menu-oa-document-new").click();
      await page.waitForURL(/\/oa\/documents\/new$/);
      await input(page, "form-title").fill(title);
      await page.locator('[data-testid="form-urgency"] label', { hasText: "加急" }).click();
      // 主送: two bureaus picked from the organisation's tree.
      for (const unit of ["南宁市教育局", "南宁市财政局"]) {
        const select = byTestId(page, "form-main-recipients");
        await select.click();
        await select.locator("input").fill(unit.slice(3));
        await page.locator(".el-tree-node:visible .el-tree-node__content", { hasText: unit }).first().click();
      }
      await page.keyboard.press("Escape");
      await byTestId(page, "form-countersign").click();
      // An opening line, a heading (一级标题) and a numbered list.
      await page.locator('[data-testid="body-editor"] .ProseMirror').click();
      await page.keyboard.insertText("为认真贯彻实施《中华人民共和国义务教育法》，现将有关事项通知如下：");
      await page.keyboard.press("Enter");
      await byTestId(page, "editor-h2").click();
      await page.keyboard.insertText("一、充分认识义务教育的重要意义");
      await page.keyboard.press("Enter");
      await page.keyboard.insertText(article("二"));
      await page.keyboard.press("Enter");
      await byTestId(page, "editor-ol").click();
      await page.keyboard.insertText(article("三"));
      await page.keyboard.press("Enter");
      await page.keyboard.insertText(article("五"));
      await drafter.session.shot("draft");
      const created = isApi(page, "POST", /^\/api\/oa\/documents$/);
      const submitted = isApi(page, "POST", /^\/api\/oa\/documents\/\d+\/submit$/);
      await byTestId(page, "draft-submit").click();
      const createdBody = (await (await created).json()) as { id: number; bodyHtml: string; mainRecipients: unknown };
      expect((await submitted).status()).toBe(200);
      await page.waitForURL(new RegExp(`/oa/documents/${createdBody.id}$`));
      const id = createdBody.id;
      // What the editor made is what the server keeps: a heading and a list, both bureaus as units.
      expect(createdBody.bodyHtml).toContain("<h2>一、充分认识义务教育的重要意义</h2>");
      expect(createdBody.bodyHtml).toMatch(/<ol><li><p>义务教育必须贯彻国家的教育方针/);
      expect(createdBody.bodyHtml).not.toContain("<p></p>");
      expect(createdBody.mainRecipients).toEqual([
        { unitId: expect.any(Number), name: "南宁市教育局" },
        { unitId: expect.any(Number), name: "南宁市财政局" },
      ]);
      await expect.poll(() => byTestId(page, "doc-status").innerText()).toBe("办理中");

      // 部门核稿: the office's director has it in 待办; the badge says how many there are.
      page = leader.page;
      await openList(page, "oa-todo");
      expect(await expectBadgeMatchesList(page, "oa-todo")).toBe(1);
      await leader.session.shot("todo");
      await openFromTodo(page, title);
      await approve(page, { label: "核稿同意", comment: "同意。" });
      await expect.poll(() => badge(page, "oa-todo")).toBe("");

      // 办公室审核 chooses the two signers of the 会签.
      page = registrar.page;
      await openFromTodo(page, title);
      await approve(page, { label: "审核同意", chosen: [signer2.name, signer3.name] });

      // In the 会签 one signer returns it to the drafter with a reason.
      const reason = "请在正文中补充义务教育经费保障的要求后再报。";
      page = signer2.page;
      await openFromTodo(page, title);
      expect(await byTestId(page, "action-approve").innerText()).toBe("会签同意");
      await byTestId(page, "action-return").click();
      const returnDialog = page.locator('[data-testid="return-dialog"]:visible');
      await returnDialog.locator('[data-testid="return-to-drafter"]').click();
      await field(returnDialog, "return-reason").fill(reason);
      const returned = isApi(page, "POST", /^\/api\/oa\/tasks\/\d+\/return$/);
      await returnDialog.locator('[data-testid="return-confirm"]').click();
      expect((await returned).status()).toBe(200);
      await returnDialog.waitFor({ state: "hidden" });
      // The other signer's part of the 会签 is closed with it.
      expect((await documentOf(signer3.page, id)).process?.currentNodeId).toBe("draft");

      // The drafter sees the reason, fixes the 正文 (a second revision) and the diff shows the change.
      page = drafter.page;
      await openList(page, "oa-todo");
      expect(await expectBadgeMatchesList(page, "oa-todo")).toBe(1);
      await openFromTodo(page, title);
      await expect.poll(() => byTestId(page, "doc-returned").innerText()).toContain(reason);
      const added = "各级人民政府要建立义务教育经费保障机制，保证义务教育制度实施。";
      const editor = page.locator('[data-testid="body-editor"] .ProseMirror');
      // The caret at the very end of the 正文 (the list's last item), through the editor itself: a click or
      // Ctrl+End moves the browser's selection, which the editor takes over only at the next selectionchange
      // event, and keys typed by a test before it would land at the old place. Enter twice leaves the list.
      await editor.click();
      await page.evaluate(
        `document.querySelector('[data-testid="body-editor"] .ProseMirror').editor.commands.focus("end")`,
      );
      await page.keyboard.press("Enter");
      await page.keyboard.press("Enter");
      await page.keyboard.insertText(added);
      const saved = isApi(page, "PATCH", /^\/api\/oa\/documents\/\d+$/);
      await byTestId(page, "action-save").click();
      expect((await saved).status()).toBe(200);
      expect((await saved).request().postData()).toContain(`</ol><p>${added}</p>`);
      await page.locator(".el-message--success", { hasText: "第 2 稿" }).waitFor();
      await page.locator("#tab-revisions").click();
      const diff = byTestId(page, "revisions-diff");
      await expect
        .poll(async () => (await diff.locator('[data-testid="diff-added"]').allInnerTexts()).join(""))
        .toContain(added);
      expect(await diff.innerText()).toContain("国家实行九年义务教育制度。");
      await settled(page);
      await drafter.session.shot("diff");
      await page.locator("#tab-main").click();
      await approve(page, { label: "提交", comment: "已按意见补充，请审核。" });

      // Again through 核稿, 审核 and the 会签, which both signers pass this time.
      await openFromTodo(leader.page, title);
      await approve(leader.page, { label: "核稿同意" });
      await openFromTodo(registrar.page, title);
      await approve(registrar.page, { label: "审核同意", chosen: [signer2.name, signer3.name] });
      for (const signer of [signer2, signer3]) {
        await openFromTodo(signer.page, title);
        await approve(signer.page, { label: "会签同意", comment: "同意。" });
      }

      // 领导签发, then the registrar's 复核 and 编号: 南府办发 and this year's next number.
      await openFromTodo(leader.page, title);
      await approve(leader.page, { label: "签发", comment: "同意印发。" });
      page = registrar.page;
      await openList(page, "oa-todo");
      await expectBadgeMatchesList(page, "oa-todo");
      await openFromTodo(page, title);
      await approve(page, { label: "复核通过" });
      await expect.poll(() => byTestId(page, "action-number").isVisible()).toBe(true);
      await byTestId(page, "action-number").click();
      const numberDialog = page.locator('[data-testid="number-dialog"]:visible');
      await numberDialog.waitFor();
      const year = new Date().getFullYear();
      await numberDialog.locator('[data-testid="number-code"]').click();
      await page.locator(".el-select-dropdown__item:visible", { hasText: "南府办发（" }).click();
      await expect.poll(() => byTestId(page, "number-preview").innerText()).toBe(`南府办发〔${year}〕1号`);
      await registrar.session.shot("number");
      const numbered = isApi(page, "POST", /^\/api\/oa\/documents\/\d+\/number$/);
      await numberDialog.locator('[data-testid="number-confirm"]').click();
      expect((await numbered).status()).toBe(200);
      await expect.poll(() => byTestId(page, "doc-number").innerText()).toBe(`南府办发〔${year}〕1号`);
      await approve(page, { label: "完成登记" });

      // 用印 renders the PDF; page 1 carries the 文号 and the title.
      await approve(page, { label: "用印" });
      await byTestId(page, "action-view-pdf").waitFor();
      const pdfUrl = await byTestId(page, "action-view-pdf").getAttribute("href");
      const pdf = await page.request.get(`${server.url}${pdfUrl}`);
      expect(pdf.status()).toBe(200);
      expect(pdf.headers()["content-type"]).toBe("application/pdf");
      const text = await firstPageText(new Uint8Array(await pdf.body()));
      expect(text).toContain(`南府办发〔${year}〕1号`);
      expect(text).toContain(title);

      // 分发: both bureaus' registrars find it in 待办 and sign for it.
      await approve(page, { label: "分发" });
      await page.locator("#tab-distribution").click();
      await expect.poll(() => page.locator('[data-testid="distribution-pending"]:visible').count()).toBe(2);
      for (const username of ["jyj.registrar", "czj.registrar"]) {
        const receiver = await open(username, `flow-${username}`);
        people.push(receiver);
        await openList(receiver.page, "oa-todo");
        await expectBadgeMatchesList(receiver.page, "oa-todo");
        await openFromTodo(receiver.page, title);
        expect(await byTestId(receiver.page, "doc-direction").innerText()).toContain("南宁市人民政府办公室");
        await approve(receiver.page, { label: "签收" });
        await receiver.session.shot("signed-for");
      }

      // The sender's page shows both signed; 归档 ends it.
      await page.reload();
      await byTestId(page, "doc-title").waitFor();
      await page.locator("#tab-distribution").click();
      await expect.poll(() => page.locator('[data-testid="distribution-signed"]:visible').count()).toBe(2);
      await settled(page);
      await registrar.session.shot("distribution");
      await page.locator("#tab-main").click();
      await approve(page, { label: "归档" });
      await expect.poll(() => byTestId(page, "doc-status").innerText()).toBe("已归档");
      await openList(page, "oa-todo");
      expect(await expectBadgeMatchesList(page, "oa-todo")).toBe(0);
      // The drafter's page says so too, and the whole trail is there, the reason for the return with it.
      page = drafter.page;
      await page.goto(`${server.url}/oa/documents/${id}`);
      await expect.poll(() => byTestId(page, "doc-status").innerText()).toBe("已归档");
      await page.locator("#tab-flow").click();
      await expect
        .poll(() => page.locator('[data-testid="history-comment"]:visible').allInnerTexts())
        .toContain(reason);
      await page.locator('[data-testid="process-diagram"] .canvas[data-state="ready"]').waitFor();
      await settled(page);
      await drafter.session.shot("archived");
    });
  });
  it("withdraws before the head acts, transfers 核稿, delegates a 会签 and adds a signer who must sign", async () => {
    const title = "关于做好义务教育阶段学生资助工作的通知";
    const drafter = await open("office.staff1", "more-drafter");
    const leader = await open("office.leader", "more-leader");
    const registrar = await open("office.registrar", "more-registrar");
    const staff2 = await open("office.staff2", "more-staff2");
    const staff3 = await open("office.staff3", "more-staff3");
    const staff4 = await open("office.staff4", "more-staff4");
    const people = [drafter, leader, registrar, staff2, staff3, staff4];
    await withPeople(people, async () => {
      const id = await draftAndSubmit(drafter.page, { title, body: article("四"), countersign: true });

      // 撤回: the head has not acted, so the drafter takes it back; it leaves the head's 待办.
      await openList(leader.page, "oa-todo");
      await expect.poll(() => badge(leader.page, "oa-todo")).toBe("1");
      let page = drafter.page;
      await byTestId(page, "action-withdraw").click();
      await answerPrompt(page, "", /^\/api\/oa\/documents\/\d+\/withdraw$/);
      await expect.poll(() => byTestId(page, "action-approve").innerText()).toBe("提交");
      expect(await byTestId(page, "action-withdraw").isVisible()).toBe(false);
      await openList(leader.page, "oa-todo");
      expect(await expectBadgeMatchesList(leader.page, "oa-todo")).toBe(0);
      await approve(page, { label: "提交", comment: "撤回后重新提交。" });

      // 转办: the head hands 核稿 to a colleague, who approves it.
      page = leader.page;
      await openFromTodo(page, title);
      await choosePeople(page, "transfer", [staff2.name], "请代为核稿。");
      await expect.poll(() => byTestId(page, "action-approve").isVisible()).toBe(false);
      await openFromTodo(staff2.page, title);
      await approve(staff2.page, { label: "核稿同意" });

      // 委托: a colleague due to countersign delegates to another before going away.
      page = staff3.page;
      const delegations = byTestId(page, "menu-oa-delegations");
      if (!(await delegations.isVisible())) await byTestId(page, "menu-oa").click();
      await delegations.click();
      await page.waitForURL(/\/oa\/delegations$/);
      await byTestId(page, "delegation-new").click();
      const form = page.locator('[data-testid="delegation-form"]:visible');
      await form.waitFor();
      await pickPerson(page, "delegation-to", staff4.name);
      await field(form, "delegation-reason").fill("赴自治区参加会议");
      const delegated = isApi(page, "POST", /^\/api\/oa\/delegations$/);
      await form.locator('[data-testid="delegation-submit"]').click();
      expect((await delegated).status()).toBe(201);
      const row = page.locator('[data-testid="delegation-row"]', { hasText: staff4.name });
      await expect.poll(() => row.locator('[data-testid="delegation-state"]').innerText()).toBe("生效中");
      await settled(page);
      await staff3.session.shot("delegation");

      // 办公室审核 puts the absent colleague on the 会签: the task lands with the delegate, marked as acting
      // for them, in the list and on the page; the delegate adds a signer (加签), who must sign too.
      await openFromTodo(registrar.page, title);
      await approve(registrar.page, { label: "审核同意", chosen: [staff3.name] });
      page = staff4.page;
      await openList(page, "oa-todo");
      const rowFor = page.locator(".el-table__row", { hasText: title });
      await expect.poll(() => rowFor.locator('[data-testid="inbox-on-behalf"]').innerText()).toBe(`代 ${staff3.name}`);
      await staff4.session.shot("todo-on-behalf");
      await openFromTodo(page, title);
      await expect.poll(() => byTestId(page, "doc-on-behalf").innerText()).toContain(`您正在代 ${staff3.name} 办理`);
      await settled(page);
      await staff4.session.shot("acting-for");
      await choosePeople(page, "addSigners", [staff2.name]);
      await approve(page, { label: "会签同意", comment: "同意，请财务科会签。" });
      expect((await documentOf(page, id)).process?.currentNodeId).toBe("countersign");
      await openFromTodo(staff2.page, title);
      await approve(staff2.page, { label: "会签同意" });

      // Back from the trip: the colleague revokes the delegation; 签发 is the head's own.
      page = staff3.page;
      await page.reload();
      await row.locator('[data-testid="delegation-revoke"]').click();
      const revoked = isApi(page, "POST", /^\/api\/oa\/delegations\/\d+\/revoke$/);
      await page.locator(".el-message-box:visible .el-message-box__btns .el-button--primary").click();
      expect((await revoked).status()).toBe(200);
      await expect.poll(() => row.locator('[data-testid="delegation-state"]').innerText()).toBe("已撤销");
      page = leader.page;
      await openFromTodo(page, title);
      await approve(page, { label: "签发", comment: "同意印发。" });
      await expect.poll(async () => (await documentOf(page, id)).process?.currentNodeId).toBe("check");

      // The history tells it all: the withdrawal, the transfer, the signer added, who acted for whom.
      await page.locator("#tab-flow").click();
      for (const action of ["withdraw", "transfer", "addSigner"])
        await expect.poll(() => page.locator(`[data-testid="history-${action}"]:visible`).count()).toBeGreaterThan(0);
      expect(await page.locator('[data-testid="history-on-behalf"]:visible').first().innerText()).toBe(
        `代 ${staff3.name}`,
      );
      await settled(page);
      await leader.session.shot("history");

      // The head delegates to a colleague who may not sign: told at once that 签发 still comes to them.
      const leaderDelegations = byTestId(page, "menu-oa-delegations");
      if (!(await leaderDelegations.isVisible())) await byTestId(page, "menu-oa").click();
      await leaderDelegations.click();
      await page.waitForURL(/\/oa\/delegations$/);
      await byTestId(page, "delegation-new").click();
      const leaderForm = page.locator('[data-testid="delegation-form"]:visible');
      await leaderForm.waitFor();
      await pickPerson(page, "delegation-to", staff3.name);
      const leaderDelegated = isApi(page, "POST", /^\/api\/oa\/delegations$/);
      await leaderForm.locator('[data-testid="delegation-submit"]').click();
      expect((await leaderDelegated).status()).toBe(201);
      const warning = page.locator(".el-message--warning", { hasText: "没有本单位的签发权限" });
      await warning.waitFor();
      expect(await warning.innerText()).toContain(
        `${staff3.name} 没有本单位的签发权限：需要签发的公文仍会交给您本人。`,
      );
      await settled(page);
      await leader.session.shot("delegation-sign-stays");
      const leaderRow = page.locator('[data-testid="delegation-row"]', { hasText: staff3.name });
      await leaderRow.locator('[data-testid="delegation-revoke"]').click();
      const leaderRevoked = isApi(page, "POST", /^\/api\/oa\/delegations\/\d+\/revoke$/);
      await page.locator(".el-message-box:visible .el-message-box__btns .el-button--primary").click();
      expect((await leaderRevoked).status()).toBe(200);
    });
  });

  it("works on a phone: 待办 as cards, the document page and its dialog fit 390 px", async () => {
    const title = "关于开展义务教育均衡发展督导评估的通知";
    const drafter = await open("office.staff1", "phone-drafter");
    const leader = await open("office.leader", "phone-leader", PHONE);
    await withPeople([drafter, leader], async () => {
      await draftAndSubmit(drafter.page, { title, body: article("六") });
      const { page } = leader;
      // The menu is a drawer; the 公文 entry and 待办 carry the count.
      let listed = isApi(page, "GET", /^\/api\/oa\/inbox\/todo$/);
      await page.goto(`${server.url}/oa/todo`);
      await listed;
      await page.locator('[data-testid="inbox-total"][data-state="ready"]').waitFor();
      const total = await listTotal(page);
      expect(total).toBeGreaterThan(0);
      await expect.poll(() => page.locator('[data-testid="inbox-card"]:visible').count()).toBe(total);
      expect(await byTestId(page, "inbox-table").count()).toBe(0);
      await byTestId(page, "layout-menu-toggle").click();
      await expect.poll(() => badge(page, "oa-todo")).toBe(String(total));
      await settled(page);
      await leader.session.shot("menu");
      // The drawer covers the left of the backdrop: a tap on its right closes it.
      await byTestId(page, "layout-backdrop").click({ position: { x: PHONE.width - 20, y: PHONE.height / 2 } });
      await byTestId(page, "layout-backdrop").waitFor({ state: "detached" });
      await expectNoSidewaysScroll(page);
      await settled(page);
      await leader.session.shot("todo");

      await page.locator('[data-testid="inbox-card"]', { hasText: title }).click();
      await page.waitForURL(/\/oa\/documents\/\d+$/);
      await byTestId(page, "doc-title").waitFor();
      await expectNoSidewaysScroll(page);
      const bar = await byTestId(page, "action-bar").boundingBox();
      expect(bar!.x + bar!.width).toBeLessThanOrEqual(PHONE.width);
      await settled(page);
      await leader.session.shot("document");
      await page.locator("#tab-flow").click();
      await page.locator('[data-testid="process-diagram"] .canvas[data-state="ready"]').waitFor();
      await expectNoSidewaysScroll(page);
      await settled(page);
      await leader.session.shot("flow");
      await page.locator("#tab-main").click();

      // The approval dialog fits the screen and works.
      await byTestId(page, "action-approve").click();
      const dialog = page.locator('[data-testid="approve-dialog"]:visible');
      await dialog.waitFor();
      const box = await dialog.boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
      await dialog.locator('[data-testid="approve-phrase"]', { hasText: "同意。" }).click();
      await settled(page);
      await leader.session.shot("approve-dialog");
      const done = isApi(page, "POST", /^\/api\/oa\/tasks\/\d+\/approve$/);
      await dialog.locator('[data-testid="approve-confirm"]').click();
      expect((await done).status()).toBe(200);
      await dialog.waitFor({ state: "hidden" });
      listed = isApi(page, "GET", /^\/api\/oa\/inbox\/todo$/);
      await page.goto(`${server.url}/oa/todo`);
      await listed;
      await page.locator('[data-testid="inbox-total"][data-state="ready"]').waitFor();
      expect(await listTotal(page)).toBe(total - 1);
    });
  });
  it("handles the 收文 at a bureau: 登记 with an attachment, 批示 with 主办 and 协办, 承办, 传阅 (待阅) and 归档", async () => {
    const title = "关于做好适龄儿童少年入学工作的通知";
    await distributedToEducation(title);
    const registrar = await open("jyj.registrar", "incoming-registrar");
    const head = await open("jyj.leader", "incoming-leader");
    const lead = await open("jyj.staff1", "incoming-lead");
    const assist = await open("jyj.staff2", "incoming-assist");
    const reader = await open("jyj.staff3", "incoming-reader");
    await withPeople([registrar, head, lead, assist, reader], async () => {
      let page = registrar.page;
      const id = await openFromTodo(page, title);
      await approve(page, { label: "签收" });
      // 登记: the registrar attaches the scanned 来文 (a PDF of the corpus); the bytes sent are shown as they go.
      await page.locator("#tab-files").click();
      const chooser = byTestId(page, "attachments-input");
      const uploaded = isApi(page, "POST", /^\/api\/oa\/documents\/\d+\/attachments$/);
      await chooser.setInputFiles(
        join(repoRoot, "../shared/corpus/pdf-samples/004-pdflatex-4-pages_pdflatex-4-pages.pdf"),
      );
      expect((await uploaded).status()).toBe(201);
      const row = page.locator('[data-testid="attachment-row"]', { hasText: "004-pdflatex-4-pages" });
      await row.waitFor();
      const file = await page.request.get(`${server.url}${await row.locator("a").getAttribute("href")}`);
      expect(file.status()).toBe(200);
      expect((await file.body()).subarray(0, 5).toString()).toBe("%PDF-");
      await settled(page);
      await registrar.session.shot("attachment");
      await page.locator("#tab-main").click();
      await approve(page, { label: "登记" });
      await approve(page, { label: "初审通过" });

      // 拟办 and 批办 by the bureau's head: a 批示 from the common phrases, one 主办 and one 协办 with a deadline.
      page = head.page;
      await openFromTodo(page, title);
      await approve(page, { label: "拟办", comment: `拟请${lead.name}同志办理。` });
      await openFromTodo(page, title);
      await byTestId(page, "action-approve").click();
      const dialog = page.locator('[data-testid="approve-dialog"]:visible');
      await dialog.waitFor();
      await dialog.locator('[data-testid="approve-phrase"]', { hasText: "请按规定办理。" }).click();
      await expect.poll(() => field(dialog, "approve-comment").inputValue()).toBe("请按规定办理。");
      for (const name of [lead.name, assist.name]) await pickPerson(page, "approve-chosen", name);
      await dialog.locator(".el-dialog__title").click();
      const handlers = dialog.locator('[data-testid="approve-handlers"] li');
      await expect.poll(() => handlers.count()).toBe(2);
      expect(await handlers.first().locator(".is-active").innerText()).toBe("主办");
      expect(await handlers.nth(1).locator(".is-active").innerText()).toBe("协办");
      await settled(page);
      await head.session.shot("instruct");
      const instructed = isApi(page, "POST", /^\/api\/oa\/tasks\/\d+\/approve$/);
      await dialog.locator('[data-testid="approve-confirm"]').click();
      const sent = await instructed;
      expect(sent.status()).toBe(200);
      expect(JSON.parse(sent.request().postData() ?? "{}")).toMatchObject({
        comment: "请按规定办理。",
        assignments: [{ role: "lead" }, { role: "assist" }],
      });
      // The 批示 stands above the document for everyone who opens it.
      await expect.poll(() => byTestId(page, "doc-instructions").innerText()).toContain("请按规定办理。");

      // 承办: the lead and the assisting handler each finish their part.
      for (const handler of [lead, assist]) {
        await openFromTodo(handler.page, title);
        await expect.poll(() => byTestId(handler.page, "doc-instructions").innerText()).toContain("请按规定办理。");
        await approve(handler.page, { label: "办理完毕" });
      }

      // 传阅: the registrar sends it to a colleague, who finds it in 待阅 and marks it read.
      page = registrar.page;
      await openFromTodo(page, title);
      await byTestId(page, "action-circulate").click();
      const circulate = page.locator('[data-testid="people-dialog-circulate"]:visible');
      await circulate.waitFor();
      await pickPerson(page, "people-picker", reader.name);
      await circulate.locator(".el-dialog__title").click();
      const circulated = isApi(page, "POST", /^\/api\/oa\/documents\/\d+\/circulate$/);
      await circulate.locator('[data-testid="people-confirm"]').click();
      expect((await circulated).status()).toBe(200);
      await openList(reader.page, "oa-to-read");
      expect(await expectBadgeMatchesList(reader.page, "oa-to-read")).toBe(1);
      await reader.page.locator('[data-testid="inbox-title"]:visible', { hasText: title }).click();
      await byTestId(reader.page, "doc-title").waitFor();
      await approve(reader.page, { label: "已阅" });
      await openList(reader.page, "oa-to-read");
      expect(await expectBadgeMatchesList(reader.page, "oa-to-read")).toBe(0);

      // 传阅完毕, 办结, 归档.
      await approve(page, { label: "传阅完毕" });
      await approve(page, { label: "办结" });
      await approve(page, { label: "归档" });
      await expect.poll(() => byTestId(page, "doc-status").innerText()).toBe("已归档");
      await page.locator("#tab-flow").click();
      await expect.poll(() => page.locator('[data-testid="history-read"]:visible').count()).toBe(1);
      expect((await documentOf(page, id)).status).toBe("archived");
    });
  });
  it("shows the supervisor overdue work to urge, and lets the OA administrator keep the 机关代字", async () => {
    const title = "关于报送2006年度政务公开工作总结的通知";
    for (const who of ["office.staff1", "office.leader", "office.registrar", "oaadmin"]) await prepare(who);
    const drafter = await api("office.staff1");
    const created = await drafter.post("/api/oa/documents", {
      docType: "通知",
      title,
      bodyHtml: `<p>${article("一")}</p>`,
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as number;
    expect((await drafter.post(`/api/oa/documents/${id}/submit`, {})).status).toBe(200);
    await apiApprove(await api("office.leader"), id); // 核稿: now the registrar's 办公室审核
    // The registrar let the step pass its deadline (this document's step only: others run in this server too).
    const instanceId = (await drafter.get(`/api/oa/documents/${id}`)).body.process.instanceId as number;
    const { Task } = await import("../../server/oa/models/engine.js");
    await Task.update(
      { dueAt: new Date(Date.now() - 2 * 3600_000) },
      { where: { status: "open", nodeId: "officeReview", instanceId } },
    );

    const leader = await open("office.leader", "supervisor");
    const admin = await open("oaadmin", "oaadmin");
    await withPeople([leader, admin], async () => {
      // 督办: the office's director sees it with whom it waits for, and the badge equals the list.
      let page = leader.page;
      await openList(page, "oa-overdue");
      expect(await expectBadgeMatchesList(page, "oa-overdue")).toBe(1);
      const row = page.locator('[data-testid="inbox-title"]:visible', { hasText: title });
      await expect.poll(() => row.count()).toBe(1);
      await page.screenshot({ path: join(shots, "overdue-list.png") });
      await row.click();
      await byTestId(page, "doc-title").waitFor();
      await byTestId(page, "action-urge").click();
      await answerPrompt(page, "请今天下班前审核完毕", /^\/api\/oa\/documents\/\d+\/urge$/);
      const registrar = await api("office.registrar");
      const notes = await registrar.get("/api/notifications");
      const urged = notes.body.items.find((n: { kind: string }) => n.kind === "oa.task.urged");
      expect(urged.params.message).toBe("请今天下班前审核完毕");

      // 机关代字: the OA administrator makes a code for the office and sees its (empty) log.
      page = admin.page;
      await page.goto(`${server.url}/oa/number-codes`);
      await byTestId(page, "number-codes-table").waitFor();
      await byTestId(page, "number-code-create").click();
      const unit = input(page, "number-code-unit");
      await unit.click();
      await unit.fill("办公室");
      await page
        .locator(".el-tree-node:visible .el-tree-node__content", { hasText: /^南宁市人民政府办公室$/ })
        .first()
        .click();
      await input(page, "number-code-code").fill("南府办函");
      await input(page, "number-code-name").fill("南宁市人民政府办公室函");
      await expect.poll(() => page.locator(".el-dialog:visible").innerText()).toContain("南府办函〔");
      const saved = isApi(page, "POST", /^\/api\/oa\/number-codes$/);
      await byTestId(page, "number-code-save").click();
      expect((await saved).status()).toBe(201);
      const cell = page.locator('[data-testid="number-codes-table"] tr', { hasText: "南府办函" });
      await cell.waitFor();
      await cell.locator("button", { hasText: "编号记录" }).click();
      await page.locator(".el-drawer:visible").waitFor();
      await page.screenshot({ path: join(shots, "number-codes.png") });
    });
  });
});

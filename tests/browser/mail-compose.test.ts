// Webmail's writing side in Chromium (issue 7): office.staff1 sends office.staff2 a message over SMTP
// submission (STARTTLS, AUTH); office.staff2 reads it in the reading pane, replies with a PDF attached, a Cc
// picked from the directory's suggestions and a wrongly typed address marked and removed, and sends; the
// reply arrives in office.staff1's INBOX with the file, threaded under the original (In-Reply-To,
// References), and the original is marked answered. office.staff1 forwards the reply with its file (a file
// dropped on the form uploads and is taken off again). On a phone (390×844) a new message's draft saves itself
// a few seconds after typing and again on leaving, reopens as it was, and is sent without a subject after
// the question; no sideways scrolling. Run `npm run build` first. Screenshots land in
// tests/browser/artifacts/mail-compose/ (or $SHOTS_DIR).
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import nodemailer from "nodemailer";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../server/core/auth.js";
import type { RunningServer } from "../../server/server.js";
import type { ApiClient } from "../helpers/apiClient.js";
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

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/mail-compose");
const DOMAIN = "nanning.gov.cn";
const SENDER = "office.staff1";
const READER = "office.staff2";
const LEADER = "office.leader";

/** 教师法, its first articles: the text of the message sent over SMTP. */
const TEACHERS = readFileSync(join(repoRoot, "../shared/corpus/laws/行政法/教师法(2009-08-27).md"), "utf8")
  .split("<!-- INFO END -->")[1]!
  .trim()
  .split("\n")
  .filter((line) => line.startsWith("第"))
  .slice(0, 4)
  .join("\n\n");
const SUBJECT = "关于学习《教师法》并报送学习计划的通知";
/** The file the reply carries: a PDF of the corpus. */
const PDF = join(repoRoot, "../shared/corpus/pdf-samples/004-pdflatex-4-pages_pdflatex-4-pages.pdf");

let harness: BrowserHarness | undefined;
let server: RunningServer;
let browser: Browser;
let senderApi: ApiClient;
let readerApi: ApiClient;
/** The Message-ID the submission server gave the original. */
let originalMessageId = "";

interface Folder {
  id: number;
  role: string | null;
}
interface MailboxBody {
  id: number;
  address: string;
  folders: Folder[];
}
interface Summary {
  id: number;
  subject: string | null;
  answered: boolean;
  hasAttachments: boolean;
}

async function personalMailbox(api: ApiClient): Promise<MailboxBody> {
  const res = await api.get("/api/mail/mailboxes");
  expect(res.status, res.text).toBe(200);
  return (res.body.items as MailboxBody[])[0]!;
}

async function folderMessages(api: ApiClient, role: string): Promise<Summary[]> {
  const mailbox = await personalMailbox(api);
  const folder = mailbox.folders.find((f) => f.role === role)!;
  const res = await api.get(`/api/mail/mailboxes/${mailbox.id}/folders/${folder.id}/messages`);
  expect(res.status, res.text).toBe(200);
  return res.body.items as Summary[];
}

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  ({ server, browser } = harness);
  const demo = (username: string) => server.demoAccounts.find((a) => a.username === username)!.password;
  senderApi = await apiSignInReplacing(server.url, SENDER, demo(SENDER), NEW_PASSWORD);
  // office.staff2 is not a printed demo account: the system administrator issues its password.
  const sysadmin = await apiSignInReplacing(server.url, "sysadmin", demo("sysadmin"), NEW_PASSWORD);
  const found = await sysadmin.get(`/api/org/users?q=${READER}`);
  const reader = (found.body.items as { id: number; username: string }[]).find((u) => u.username === READER)!;
  const issued = await sysadmin.post(`/api/org/users/${reader.id}/reset-password`);
  expect(issued.status, issued.text).toBe(200);
  readerApi = await apiSignInReplacing(server.url, READER, issued.body.initialPassword as string, NEW_PASSWORD);
  await personalMailbox(senderApi);
  await personalMailbox(readerApi);

  // office.staff1 writes from a desktop mail client: submission with STARTTLS and AUTH.
  const submission = nodemailer.createTransport({
    host: "127.0.0.1",
    port: server.submissionPort!,
    secure: false,
    requireTLS: true,
    // The self-signed certificate the server made on first start.
    tls: { rejectUnauthorized: false },
    auth: { user: SENDER, pass: NEW_PASSWORD },
  });
  const info = await submission.sendMail({
    from: `${SENDER}@${DOMAIN}`,
    to: `${READER}@${DOMAIN}`,
    subject: SUBJECT,
    text: TEACHERS,
  });
  submission.close();
  originalMessageId = info.messageId;
  expect(originalMessageId).toMatch(/^<.+@.+>$/);
});

afterAll(async () => {
  await harness?.close();
});

function openSession(viewport: { width: number; height: number }, prefix: string): Promise<BrowserSession> {
  return openBrowserSession(browser, { shotsDir: shots, prefix, viewport });
}

/** Nothing on the page is wider than the window (no sideways scrolling on a phone). */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const [scrollWidth, innerWidth] = await page.evaluate<[number, number]>(
    "[document.documentElement.scrollWidth, window.innerWidth]",
  );
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}

const tagAddresses = (page: Page, field: string) =>
  page.locator(`[data-testid="compose-${field}-tag"]`).evaluateAll((tags) => tags.map((t) => t.dataset.address));

/** Element Plus puts the test id on the textarea itself. */
const body = (page: Page) => page.locator('textarea[data-testid="compose-body"]');

describe("writing mail in the browser", () => {
  it("reads a message sent over SMTP, replies with an attachment, and the reply arrives threaded", async () => {
    const session = await openSession(DESKTOP, "desktop");
    await withBrowserSession(session, shots, async () => {
      const { page } = session;
      await signInInBrowser(page, server.url, READER, NEW_PASSWORD);
      await page.goto(`${server.url}/mail`);
      await page.locator('[data-testid="mail-row-open"]', { hasText: SUBJECT }).click();
      await expect.poll(() => byTestId(page, "mail-reader-subject").innerText()).toBe(SUBJECT);
      expect(await byTestId(page, "mail-reader-text").innerText()).toContain("第一条 为了保障教师的合法权益");
      await session.shot("read");

      await byTestId(page, "mail-reply").click();
      await page.waitForURL(/\/mail\/compose\?.*replyTo=/);
      await expect.poll(() => tagAddresses(page, "to")).toEqual([`${SENDER}@${DOMAIN}`]);
      expect(await input(page, "compose-subject").inputValue()).toBe(`Re: ${SUBJECT}`);
      const quoted = await body(page).inputValue();
      expect(quoted).toContain("写道：");
      expect(quoted).toContain("> 第一条 为了保障教师的合法权益");
      // A reply names a message of this mailbox: it goes from this mailbox.
      expect(await byTestId(page, "compose-from").locator("input").isDisabled()).toBe(true);

      // A Cc picked from the directory's suggestions (by username), shown by name.
      await byTestId(page, "compose-show-cc").click();
      await input(page, "compose-cc-input").pressSequentially(LEADER, { delay: 20 });
      const suggestion = page.locator('[data-testid="compose-cc-suggestion"]', { hasText: `${LEADER}@${DOMAIN}` });
      await suggestion.waitFor();
      await session.shot("suggestions");
      await input(page, "compose-cc-input").press("Enter");
      await expect.poll(() => tagAddresses(page, "cc")).toEqual([`${LEADER}@${DOMAIN}`]);
      expect(await byTestId(page, "compose-cc-tag").innerText()).not.toContain("@");

      // A wrongly typed address is marked, refused at send, and removed.
      await byTestId(page, "compose-show-bcc").click();
      await input(page, "compose-bcc-input").fill("zhang.san@");
      await input(page, "compose-bcc-input").press("Enter");
      const bad = byTestId(page, "compose-bcc-tag");
      expect(await bad.getAttribute("data-invalid")).toBe("true");
      await byTestId(page, "compose-send").click();
      await expect.poll(() => page.locator(".el-form-item__error").innerText()).toContain("zhang.san@");
      await session.shot("invalid-address");
      await bad.locator(".el-tag__close").click();
      await expect.poll(() => tagAddresses(page, "bcc")).toEqual([]);
      await expect.poll(() => page.locator(".el-form-item__error").count()).toBe(0);

      await body(page).fill(`收到，我处学习计划见附件。\n${quoted}`);
      await byTestId(page, "compose-file-input").setInputFiles(PDF);
      const file = byTestId(page, "compose-file");
      await file.waitFor();
      expect(await file.innerText()).toContain(basename(PDF));
      expect(await file.innerText()).toContain("KB");
      await expect.poll(() => page.locator('[data-testid="compose-file-uploading"]').count()).toBe(0);
      await session.shot("reply");

      await byTestId(page, "compose-send").click();
      await page.locator(".el-message--success").waitFor();
      // Back to the message answered.
      await page.waitForURL((url) => url.pathname === "/mail");
      await session.shot("sent");
    });

    // The reply is in office.staff1's INBOX, with the PDF, under the original's thread.
    const inbox = await folderMessages(senderApi, "inbox");
    const reply = inbox.find((m) => m.subject === `Re: ${SUBJECT}`);
    expect(reply, JSON.stringify(inbox)).toBeDefined();
    expect(reply!.hasAttachments).toBe(true);
    const mailbox = await personalMailbox(senderApi);
    const read = await senderApi.get(`/api/mail/mailboxes/${mailbox.id}/messages/${reply!.id}`);
    expect(read.status, read.text).toBe(200);
    expect(read.body.headers.inReplyTo).toBe(originalMessageId);
    expect(read.body.headers.references).toContain(originalMessageId);
    expect(read.body.headers.cc.map((a: { address: string }) => a.address)).toEqual([`${LEADER}@${DOMAIN}`]);
    expect(read.body.text).toContain("收到，我处学习计划见附件。");
    const attachments = read.body.attachments as { filename: string; size: number; url: string }[];
    expect(attachments.map((a) => a.filename)).toEqual([basename(PDF)]);
    // The bytes that arrive are the file's own.
    const download = await fetch(server.url + attachments[0]!.url, {
      headers: { cookie: `${SESSION_COOKIE}=${senderApi.cookie(SESSION_COOKIE)}` },
    });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(readFileSync(PDF))).toBe(true);
    // The original is marked answered in office.staff2's INBOX, and no draft is left behind.
    const answered = (await folderMessages(readerApi, "inbox")).find((m) => m.subject === SUBJECT);
    expect(answered?.answered).toBe(true);
    expect(await folderMessages(readerApi, "drafts")).toEqual([]);
    expect((await folderMessages(readerApi, "sent")).map((m) => m.subject)).toContain(`Re: ${SUBJECT}`);
  });

  it("forwards the reply with its file, and takes a file dropped on the form", async () => {
    const session = await openSession(DESKTOP, "forward");
    await withBrowserSession(session, shots, async () => {
      const { page } = session;
      await signInInBrowser(page, server.url, SENDER, NEW_PASSWORD);
      await page.goto(`${server.url}/mail`);
      await page.locator('[data-testid="mail-row-open"]', { hasText: `Re: ${SUBJECT}` }).click();
      await byTestId(page, "mail-reader-attachments").waitFor();
      await byTestId(page, "mail-forward").click();
      await page.waitForURL(/\/mail\/compose\?.*forward=/);
      await expect.poll(() => input(page, "compose-subject").inputValue()).toBe(`Fwd: ${SUBJECT}`);
      expect(await tagAddresses(page, "to")).toEqual([]);
      // The original's file goes with it, named and sized from the original.
      const forwardedFile = byTestId(page, "compose-forwarded-file");
      expect(await forwardedFile.innerText()).toContain(basename(PDF));
      expect(await forwardedFile.innerText()).toContain("24 KB");
      expect(await body(page).inputValue()).toContain("Forwarded message");

      // A file dropped on the form is uploaded; taken off again, it is gone from the server too.
      const law = join(repoRoot, "../shared/corpus/laws/行政法/教师法(2009-08-27).md");
      // A string, as the other browser tests evaluate: the tests' TypeScript has no DOM types.
      const dropped = await page.evaluateHandle(
        `(() => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([${JSON.stringify(readFileSync(law, "utf8"))}], ${JSON.stringify(basename(law))}, { type: "text/markdown" }));
          return transfer;
        })()`,
      );
      await page.dispatchEvent(".compose-card", "dragenter", { dataTransfer: dropped });
      await page.dispatchEvent(".compose-card", "drop", { dataTransfer: dropped });
      const upload = byTestId(page, "compose-file");
      await upload.waitFor();
      expect(await upload.innerText()).toContain(basename(law));
      await session.shot("forward");
      const removed = page.waitForResponse((r) => r.request().method() === "DELETE" && r.url().includes("/uploads/"));
      await byTestId(page, "compose-file-remove").click();
      expect((await removed).status()).toBe(204);
      expect(await page.locator('[data-testid="compose-file"]').count()).toBe(0);

      await input(page, "compose-to-input").fill(`${READER}@${DOMAIN}`);
      await input(page, "compose-to-input").press("Enter");
      await expect.poll(() => tagAddresses(page, "to")).toEqual([`${READER}@${DOMAIN}`]);
      await byTestId(page, "compose-send").click();
      await page.locator(".el-message--success").waitFor();
      await page.waitForURL((url) => url.pathname === "/mail");
    });
    const forwarded = (await folderMessages(readerApi, "inbox")).find((m) => m.subject === `Fwd: ${SUBJECT}`);
    expect(forwarded?.hasAttachments).toBe(true);
    const mailbox = await personalMailbox(readerApi);
    const read = await readerApi.get(`/api/mail/mailboxes/${mailbox.id}/messages/${forwarded!.id}`);
    expect((read.body.attachments as { filename: string }[]).map((a) => a.filename)).toEqual([basename(PDF)]);
  });

  it("saves a draft by itself and on leaving, reopens it, and fits a phone", async () => {
    const session = await openSession(PHONE, "phone");
    await withBrowserSession(session, shots, async () => {
      const { page } = session;
      await signInInBrowser(page, server.url, READER, NEW_PASSWORD);
      await page.goto(`${server.url}/mail`);
      // The button works once the mailboxes are in.
      await page.locator('[data-testid="mail-row"]').first().waitFor();
      await page.locator('[data-testid="mail-compose"]:visible').first().click();
      await page.waitForURL(/\/mail\/compose\?mailboxId=\d+$/);
      await byTestId(page, "compose-page").waitFor();
      await expectNoSidewaysScroll(page);

      // An address typed out and ended with a full-width comma becomes a tag.
      await input(page, "compose-to-input").pressSequentially(`${SENDER}@${DOMAIN}，`, { delay: 10 });
      await expect.poll(() => tagAddresses(page, "to")).toEqual([`${SENDER}@${DOMAIN}`]);
      await input(page, "compose-subject").fill("学习计划（草稿）");
      await body(page).fill("第一稿：本周完成学习。");
      // Saved a few seconds after the last change; the address then names the draft.
      await expect
        .poll(() => byTestId(page, "compose-status").innerText(), { timeout: 10_000 })
        .toMatch(/草稿已于 \d\d:\d\d 保存/);
      await page.waitForURL(/draft=\d+/);
      const draftUrl = page.url();
      let drafts = await folderMessages(readerApi, "drafts");
      expect(drafts.map((d) => d.subject)).toEqual(["学习计划（草稿）"]);
      await expectNoSidewaysScroll(page);
      await session.shot("draft-saved");

      // Changed and left at once: the change is saved on the way out, over the same draft.
      await body(page).fill("第二稿：本周完成学习，下周报送。");
      await page.goBack();
      // The address changes at once; the mail screen shows once the draft is saved.
      await byTestId(page, "mail-page").waitFor();
      expect(await page.locator('[data-testid="compose-page"]').count()).toBe(0);
      drafts = await folderMessages(readerApi, "drafts");
      expect(drafts).toHaveLength(1);
      const mailbox = await personalMailbox(readerApi);
      const saved = await readerApi.get(`/api/mail/mailboxes/${mailbox.id}/drafts/${drafts[0]!.id}`);
      expect(saved.status, saved.text).toBe(200);
      expect(saved.body.form.text).toBe("第二稿：本周完成学习，下周报送。");

      // The draft reopens as it was left, from the Drafts folder's reading pane.
      const draftsFolder = mailbox.folders.find((f) => f.role === "drafts")!;
      await page.goto(`${server.url}/mail?mailbox=${mailbox.id}&folder=${draftsFolder.id}&message=${drafts[0]!.id}`);
      await byTestId(page, "mail-edit-draft").click();
      await page.waitForURL(new RegExp(`/mail/compose\\?mailboxId=${mailbox.id}&draft=${drafts[0]!.id}$`));
      await expect.poll(() => body(page).inputValue()).toBe("第二稿：本周完成学习，下周报送。");
      expect(await tagAddresses(page, "to")).toEqual([`${SENDER}@${DOMAIN}`]);
      expect(await input(page, "compose-subject").inputValue()).toBe("学习计划（草稿）");
      expect(draftUrl).toContain("draft=");
      await expectNoSidewaysScroll(page);
      await session.shot("draft-reopened");

      // Sent without a subject after the question; the draft goes.
      await input(page, "compose-subject").fill("");
      await byTestId(page, "compose-send").click();
      const question = page.locator(".el-message-box");
      await question.waitFor();
      expect(await question.innerText()).toContain("没有主题");
      await session.shot("no-subject");
      await question.locator(".el-button--primary").click();
      await page.locator(".el-message--success").waitFor();
      await page.waitForURL((url) => url.pathname === "/mail");
    });
    expect(await folderMessages(readerApi, "drafts")).toEqual([]);
    const arrived = await folderMessages(senderApi, "inbox");
    expect(arrived.some((m) => !m.subject)).toBe(true);
  });
});

// Webmail's reading side in Chromium (issue 7): a message sent to office.staff1 over the MX shows in the
// INBOX and opens; an HTML message carrying a script, onload/onerror handlers, a form, a javascript: link,
// frames, objects, SVG and remote images (an <img>, srcset, CSS url() in a style sheet and an attribute)
// runs nothing and loads nothing from the remote server — a local HTTP server of this test that counts
// what it is asked for — until the reader clicks "显示图片"; then its images (and only its images) load.
// The embedded (cid:) image shows all along. On a desktop and on a phone (390×844: one pane at a time,
// no sideways scrolling). Run `npm run build` first. Screenshots land in
// tests/browser/artifacts/mail-read/ (or $SHOTS_DIR).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import nodemailer from "nodemailer";
import type { Browser, Frame, Page } from "playwright-core";
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
  signInInBrowser,
  startBrowserHarness,
  withBrowserSession,
  type BrowserHarness,
  type BrowserSession,
} from "../helpers/browser.js";

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/mail-read");

/** 教师法, its first chapter: the plain message's text. */
const TEACHERS = readFileSync(join(repoRoot, "../shared/corpus/laws/行政法/教师法(2009-08-27).md"), "utf8")
  .split("<!-- INFO END -->")[1]!
  .trim()
  .split("\n")
  .filter((line) => line.startsWith("第"))
  .slice(0, 6)
  .join("\n\n");
/** A 1×1 PNG: the embedded image of the HTML message. */
const SEAL = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

let harness: BrowserHarness | undefined;
let server: RunningServer;
let browser: Browser;
/** The "remote" web server the HTML mail points at, and what it was asked for. */
let remote: Server;
let remoteOrigin = "";
const requested: string[] = [];

function hostileHtml(origin: string): string {
  return `<html><head><style>body { background: url(${origin}/css-bg.png); } @import url(${origin}/import.css);</style>
<meta http-equiv="refresh" content="0;url=${origin}/refresh"></head>
<body onload="window.top.__pwned = 'onload'; window.top.document.title = 'pwned'">
<p id="greeting">请查看附图，并于本周内回复。</p>
<script>window.top.__pwned = 'script'; window.top.document.title = 'pwned-script'; fetch('${origin}/script');</script>
<img id="remote" src="${origin}/x.png" onerror="window.top.__pwned = 'onerror'" onload="window.top.__pwned = 'img-onload'" alt="远程图片" width="40" height="20">
<img id="seal" src="cid:seal@jyj" alt="印章">
<img id="set" srcset="${origin}/srcset.png 2x" alt="srcset">
<form id="form" action="${origin}/form" method="post"><input name="a" value="b"><button id="submit" type="submit">提交</button></form>
<a id="js" href="javascript:window.top.__pwned='link'">点击查看</a>
<a id="web" href="https://www.nanning.gov.cn/">南宁市人民政府</a>
<div id="styled" style="background-image: url('${origin}/style-bg.png'); width: 10px; height: 10px"></div>
<table background="${origin}/table-bg.png"><tr><td>表格</td></tr></table>
<iframe src="${origin}/frame"></iframe>
<object data="${origin}/object"></object>
<embed src="${origin}/embed">
<svg><image href="${origin}/svg.png" width="10" height="10"/></svg>
<video poster="${origin}/poster.png" src="${origin}/video.mp4"></video>
</body></html>`;
}

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  ({ server, browser } = harness);
  remote = createServer((req, res) => {
    requested.push(req.url ?? "");
    res.writeHead(200, { "Content-Type": "image/png" });
    res.end(SEAL);
  });
  await new Promise<void>((resolve) => remote.listen(0, "127.0.0.1", resolve));
  remoteOrigin = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`;
  const password = server.demoAccounts.find((a) => a.username === "office.staff1")!.password;
  const staff = await apiSignInReplacing(server.url, "office.staff1", password, NEW_PASSWORD);
  // The personal mailbox is made on first use.
  expect((await staff.get("/api/mail/mailboxes")).status).toBe(200);

  // Two messages, sent over SMTP to the MX as another mail server would.
  const mx = nodemailer.createTransport({ host: "127.0.0.1", port: server.smtpPort!, secure: false, ignoreTLS: true });
  await mx.sendMail({
    from: "南宁市教育局 <jyj@nanning.gov.cn>",
    to: "office.staff1@nanning.gov.cn",
    subject: "关于学习《教师法》的通知",
    text: TEACHERS,
  });
  await mx.sendMail({
    from: "Newsletter <news@tracker.example.com>",
    to: "office.staff1@nanning.gov.cn",
    subject: "每周简报：请查看附图",
    text: "请查看附图。",
    html: hostileHtml(remoteOrigin),
    attachments: [{ filename: "seal.png", content: SEAL, contentType: "image/png", cid: "seal@jyj" }],
  });
  mx.close();
});

afterAll(async () => {
  await harness?.close();
  await new Promise<void>((resolve) => (remote ? remote.close(() => resolve()) : resolve()));
});

function openSession(viewport: { width: number; height: number }, prefix: string): Promise<BrowserSession> {
  return openBrowserSession(browser, { shotsDir: shots, prefix, viewport });
}

/** The reading pane's frame, once the sanitised mail is in it. */
async function mailFrame(page: Page): Promise<Frame> {
  const handle = await byTestId(page, "mail-frame").elementHandle();
  await expect.poll(async () => (await handle?.contentFrame())?.locator("#greeting").count()).toBe(1);
  return (await handle!.contentFrame())!;
}

async function openMessage(page: Page, subject: string): Promise<void> {
  await page.locator('[data-testid="mail-row-open"]', { hasText: subject }).click();
  await expect.poll(() => byTestId(page, "mail-reader-subject").innerText()).toBe(subject);
}

/** Waits for running CSS transitions (a drawer sliding in) to end, so a screenshot shows what a person sees. */
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

describe("reading mail in the browser", () => {
  it("lists the INBOX, reads a message, and shows a hostile HTML mail without running or loading anything", async () => {
    const session = await openSession(DESKTOP, "desktop");
    await withBrowserSession(session, shots, async () => {
      const { page } = session;
      await signInInBrowser(page, server.url, "office.staff1", NEW_PASSWORD);
      await page.goto(`${server.url}/mail`);
      await expect.poll(() => page.locator('[data-testid="mail-row"]').count()).toBe(2);
      expect(await byTestId(page, "mail-unread-inbox").innerText()).toBe("2");
      await session.shot("inbox");

      await openMessage(page, "关于学习《教师法》的通知");
      expect(await byTestId(page, "mail-reader-from").innerText()).toContain("南宁市教育局 <jyj@nanning.gov.cn>");
      expect(await byTestId(page, "mail-reader-text").innerText()).toContain("第一条 为了保障教师的合法权益");
      await expect.poll(() => byTestId(page, "mail-unread-inbox").innerText()).toBe("1");
      await session.shot("plain");

      const title = await page.title();
      await openMessage(page, "每周简报：请查看附图");
      const frameElement = byTestId(page, "mail-frame");
      expect(await frameElement.getAttribute("sandbox")).toBe(
        "allow-same-origin allow-popups allow-popups-to-escape-sandbox",
      );
      const frame = await mailFrame(page);
      // The embedded image shows (through the inline route), the remote one does not.
      await expect
        .poll(() =>
          frame
            .locator("#seal")
            .evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth),
        )
        .toBe(1);
      expect(await frame.locator("#remote").getAttribute("src")).toBeNull();
      expect(await frame.locator("#remote").getAttribute("alt")).toBe("远程图片");
      // Nothing active came through the sanitiser.
      // (The frame's own document has its <meta> policy in the head; the mail's are gone.)
      const active = "script, form, input, button, iframe, object, embed, svg, video, meta, link, base";
      expect(await frame.locator(`body :is(${active})`).count()).toBe(0);
      expect(await frame.locator("head script, head link, head base").count()).toBe(0);
      const handlers = await frame.evaluate(
        "[...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].map((a) => a.name)).filter((n) => n.startsWith('on'))",
      );
      expect(handlers).toEqual([]);
      expect(await frame.locator("#js").getAttribute("href")).toBeNull();
      expect(await frame.locator("#web").getAttribute("target")).toBe("_blank");
      await frame.locator("#js").click();
      await expect.poll(() => byTestId(page, "mail-images-blocked").isVisible()).toBe(true);
      expect(await byTestId(page, "mail-images-blocked").innerText()).toContain("已阻止");
      await page.waitForTimeout(1500);
      await session.shot("html-blocked");
      expect(await page.evaluate("window.__pwned")).toBeUndefined();
      expect(await page.title()).toBe(title);
      expect(requested).toEqual([]);

      // The reader allows remote images: its images load, and nothing else does.
      await byTestId(page, "mail-show-images").click();
      await expect.poll(() => requested.includes("/x.png"), { timeout: 10_000 }).toBe(true);
      const shown = await mailFrame(page);
      await expect
        .poll(() =>
          shown
            .locator("#remote")
            .evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth),
        )
        .toBe(1);
      await expect.poll(() => requested.includes("/style-bg.png")).toBe(true);
      await page.waitForTimeout(1000);
      await session.shot("html-images-shown");
      expect(requested.filter((path) => !/^\/(x|css-bg|style-bg|table-bg)\.png$/.test(path))).toEqual([]);
      expect(await page.evaluate("window.__pwned")).toBeUndefined();
      expect(await page.title()).toBe(title);

      // The plain text and the raw source of the same message.
      await byTestId(page, "mail-view-text").click();
      expect(await byTestId(page, "mail-reader-text").innerText()).toContain("请查看附图。");
      await byTestId(page, "mail-view-source").click();
      await expect.poll(() => byTestId(page, "mail-reader-source").innerText()).toContain("Subject:");
      expect(await byTestId(page, "mail-reader-source").innerText()).toContain("Received: from");
    });
  });

  it("works one pane at a time on a phone", async () => {
    const session = await openSession(PHONE, "phone");
    await withBrowserSession(session, shots, async () => {
      const { page } = session;
      await signInInBrowser(page, server.url, "office.staff1", NEW_PASSWORD);
      await page.goto(`${server.url}/mail`);
      await expect.poll(() => page.locator('[data-testid="mail-row"]').count()).toBe(2);
      expect(await byTestId(page, "mail-reader").isVisible()).toBe(false);
      await expectNoSidewaysScroll(page);
      await session.shot("list");

      await openMessage(page, "每周简报：请查看附图");
      expect(await byTestId(page, "mail-list").isVisible()).toBe(false);
      await mailFrame(page);
      await expectNoSidewaysScroll(page);
      await session.shot("reader");
      await byTestId(page, "mail-reader-back").click();
      await expect.poll(() => byTestId(page, "mail-list").isVisible()).toBe(true);

      // Folders in a drawer; a search from the box finds the message by a word of its text.
      await byTestId(page, "mail-open-folders").click();
      await expect.poll(() => byTestId(page, "mail-folder-trash").isVisible()).toBe(true);
      await settled(page);
      await session.shot("folders");
      await byTestId(page, "mail-folder-inbox").click();
      await input(page, "mail-search-q").fill("教师");
      await byTestId(page, "mail-search-submit").click();
      await expect
        .poll(() => page.locator('[data-testid="mail-row-subject"]').allInnerTexts())
        .toEqual(["关于学习《教师法》的通知"]);
      await expectNoSidewaysScroll(page);
      await session.shot("search");
    });
  });
});

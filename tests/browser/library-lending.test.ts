// Lending as the public meets it: on a phone (390 px) a member of the public finds "注册读者账号" on the
// sign-in page, registers, lands in the library, borrows 史記 卷一 (one copy) from its page and sees it on
// 我的图书馆 with the time left. A second patron (desktop) finds every copy lent and places a hold (first
// in the queue); the first returns the book from 我的图书馆; the second then sees the hold ready with the
// date it is kept until, and a notification saying so.
// Run `npm run build` first; screenshots land in tests/browser/artifacts/library-lending/ (or $SHOTS_DIR).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  byTestId,
  DESKTOP,
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

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/library-lending");
const PASSWORD = "Dushu#2026reader";

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
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

describe("lending in the browser", () => {
  it("a member of the public registers on a phone, borrows 史記 卷一, a second patron queues and gets it", async () => {
    if (!harness) throw new Error("no harness");
    const { server, browser } = harness;

    // The first patron, on a phone: from the sign-in page to the library.
    const first = await openBrowserSession(browser, { shotsDir: shots, prefix: "public", viewport: PHONE });
    await withBrowserSession(first, shots, async () => {
      const { page } = first;
      await page.goto(`${server.url}/login`);
      await byTestId(page, "login-register").click();
      await page.waitForURL(/\/register$/);
      await fillRegistration(page, { login: "zhang.wei@example.cn", name: "张伟", password: PASSWORD });
      await first.shot("register");
      await byTestId(page, "register-submit").click();
      await page.waitForURL((url) => url.pathname === "/library");
      await first.shot("library");

      await page.goto(`${server.url}/library/titles/${shijiId}`);
      await byTestId(page, "lending-borrow").click();
      await byTestId(page, "lending-loan").waitFor();
      await expect.poll(() => byTestId(page, "lending-loan").innerText()).toMatch(/还剩 13 天 23 小时|还剩 14 天/);
      await first.shot("borrowed");

      // Read goes to the reader of this title.
      await expect(byTestId(page, "lending-read").getAttribute("href")).resolves.toBe(`/library/read/${shijiId}`);
      await page.goto(`${server.url}/library/me`);
      const loan = byTestId(page, "my-loan");
      await expect.poll(() => loan.innerText()).toContain("史記 卷一");
      await expect.poll(() => byTestId(page, "my-loan-left").innerText()).toMatch(/^还剩 1[34] 天/);
      // Nothing of the page is wider than the phone.
      expect(Number(await page.evaluate("document.documentElement.scrollWidth"))).toBeLessThanOrEqual(PHONE.width);
      await first.shot("my-library");
    });

    // The second patron registers over the API and signs in on a desktop: every copy is lent, so a hold.
    const api = new ApiClient(server.url);
    const made = await api.post("/api/library/patrons", {
      login: "13907710001",
      displayName: "李娜",
      password: PASSWORD,
    });
    expect(made.status).toBe(201);
    const second = await openBrowserSession(browser, { shotsDir: shots, prefix: "second", viewport: DESKTOP });
    await withBrowserSession(second, shots, async () => {
      const { page } = second;
      await signInInBrowser(page, server.url, "13907710001", PASSWORD);
      // A patron has no staff home: the start page is the library.
      await page.waitForURL((url) => url.pathname === "/library");
      await page.goto(`${server.url}/library/titles/${shijiId}`);
      await byTestId(page, "lending-place-hold").click();
      await expect.poll(() => byTestId(page, "lending-hold").innerText()).toContain("排第 1 位");
      await second.shot("hold-placed");

      // The first patron returns the book from 我的图书馆 (in a context of their own, on the phone).
      const again = await openBrowserSession(browser, { shotsDir: shots, prefix: "public-return", viewport: PHONE });
      await withBrowserSession(again, shots, async () => {
        await signInInBrowser(again.page, server.url, "zhang.wei@example.cn", PASSWORD);
        await returnOnlyLoan(again.page, server.url);
        await again.shot("returned");
      });

      await page.goto(`${server.url}/library/me`);
      await page.getByRole("tab", { name: /预约/ }).click();
      const state = byTestId(page, "my-hold-state");
      await expect.poll(() => state.innerText()).toMatch(/已为您保留一本，请在 .+ 前借阅/);
      await second.shot("hold-ready");
      await page.goto(`${server.url}/notifications`);
      await expect.poll(() => byTestId(page, "notify-row").innerText()).toContain("您预约的《史記 卷一》已可借阅");
      await second.shot("notification");
      // The copy kept for them is theirs to borrow.
      await page.goto(`${server.url}/library/me`);
      await page.getByRole("tab", { name: /预约/ }).click();
      await byTestId(page, "my-hold-borrow").click();
      await page.getByRole("tab", { name: /借阅中/ }).click();
      await expect.poll(() => byTestId(page, "my-loan").innerText()).toContain("史記 卷一");
    });
  }, 180_000);
});

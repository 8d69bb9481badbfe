// The library's catalogue as its readers meet it: a civil servant (office.staff1) opens /library, sees the
// 中图法 tree with counts and the new arrivals, opens class K, finds 史記 卷一 there and opens its page
// (cover, class path, availability, and a copy free to borrow); a search for 人 finds it through the
// Kangxi radical ⼈ of its text layer, highlighted. A visitor who has not signed in browses /open/library on
// a phone (390 px): the class drawer, class K, the title page asking them to sign in or register to borrow.
// Run `npm run build` first; screenshots land in tests/browser/artifacts/library-catalogue/ (or $SHOTS_DIR).
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
import { addBook } from "../helpers/library.js";

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/library-catalogue");

let harness: BrowserHarness | undefined;

/** Page errors and failed answers, but for the sign-in probe of a page opened before signing in (401). */
const problemsOf = (session: BrowserSession) =>
  session
    .report()
    .split("\n")
    .filter((line) => line && !/^401 GET \S+\/api\/auth\/me$/.test(line));
let shijiId = 0;

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  const { server } = harness;
  const shiji = await addBook(server, "001《史記》卷一.pdf", {
    title: "史記 卷一",
    authors: ["司馬遷"],
    classCode: "K204.2",
    licenceModel: "copies",
    copies: 1,
  });
  shijiId = shiji.id;
  await addBook(server, "《詩經集傳》卷一.pdf", {
    title: "詩經集傳 卷一",
    authors: ["朱熹"],
    classCode: "I222.2",
    licenceModel: "open",
  });
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

describe("the library's catalogue in the browser", () => {
  it("a civil servant browses class K to 史記 卷一 and finds it by 人 (desktop)", async () => {
    if (!harness) throw new Error("no harness");
    const { server, browser } = harness;
    const staff = server.demoAccounts.find((a) => a.username === "office.staff1");
    if (!staff) throw new Error("no demo staff account");
    await apiSignInReplacing(server.url, staff.username, staff.password, NEW_PASSWORD);
    const session = await openBrowserSession(browser, { shotsDir: shots, prefix: "staff", viewport: DESKTOP });
    const { page } = session;
    await withBrowserSession(session, shots, async () => {
      await signInInBrowser(page, server.url, staff.username, NEW_PASSWORD);
      await page.goto(`${server.url}/library`);
      const tree = byTestId(page, "class-tree");
      await tree.waitFor();
      // The tree counts the 史記 in K (and the 詩經 in I).
      await expect.poll(() => byTestId(page, "class-K").locator("xpath=..").innerText()).toMatch(/历史、地理\s*1/);
      await expect.poll(() => byTestId(page, "shelf-newArrivals").innerText()).toContain("史記 卷一");
      // The shelves' covers load lazily, from the blob store.
      const cover = byTestId(page, "shelf-newArrivals").locator("img").first();
      await expect(cover.getAttribute("loading")).resolves.toBe("lazy");
      await session.shot("home");

      await byTestId(page, "class-K").click();
      await page.waitForURL(/\/library\/classes\/K$/);
      const classPage = byTestId(page, "class-page");
      await expect.poll(() => classPage.innerText()).toContain("历史、地理");
      await expect.poll(() => classPage.innerText()).toContain("中国史");
      await expect.poll(() => byTestId(page, "title-list").innerText()).toContain("史記 卷一");
      await session.shot("class-K");

      await page.getByText("史記 卷一").first().click();
      await page.waitForURL(new RegExp(`/library/titles/${shijiId}$`));
      await expect.poll(() => byTestId(page, "title-name").innerText()).toBe("史記 卷一");
      const availability = byTestId(page, "title-availability");
      await expect.poll(() => availability.innerText()).toContain("可借 1");
      await expect.poll(() => byTestId(page, "title-page").innerText()).toContain("K204.2");
      // What the server says a civil servant may do with a free copy: borrow it.
      await expect.poll(() => byTestId(page, "lending").innerText()).toContain("借阅");
      await session.shot("title");

      await input(page, "library-search-input").fill("人");
      await byTestId(page, "library-search-button").click();
      await page.waitForURL(/\/library\/search\?q=/);
      const results = byTestId(page, "search-results");
      await expect.poll(() => results.innerText()).toContain("史記 卷一");
      await expect.poll(() => results.locator("mark").first().innerText()).toBe("人");
      await expect.poll(() => byTestId(page, "facets").innerText()).toContain("K 历史、地理");
      await session.shot("search");
      expect(problemsOf(session)).toEqual([]);
    });
  });

  it("a visitor browses /open/library on a phone and is asked to sign in to borrow (390 px)", async () => {
    if (!harness) throw new Error("no harness");
    const { server, browser } = harness;
    const session = await openBrowserSession(browser, { shotsDir: shots, prefix: "visitor-phone", viewport: PHONE });
    const { page } = session;
    await withBrowserSession(session, shots, async () => {
      await page.goto(`${server.url}/open/library`);
      await expect.poll(() => byTestId(page, "shelf-newArrivals").innerText()).toContain("史記 卷一");
      // No sideways scrolling at 390 px.
      expect(Number(await page.evaluate("document.documentElement.scrollWidth"))).toBeLessThanOrEqual(PHONE.width);
      await session.shot("home");

      await byTestId(page, "class-nav-button").click();
      await byTestId(page, "class-K").click();
      await page.waitForURL(/\/open\/library\/classes\/K$/);
      await expect.poll(() => byTestId(page, "title-list").innerText()).toContain("史記 卷一");
      await session.shot("class-K");

      await byTestId(page, "title-row").first().click();
      await page.waitForURL(new RegExp(`/open/library/titles/${shijiId}$`));
      const signIn = byTestId(page, "sign-in-to-borrow");
      await expect.poll(() => signIn.innerText()).toContain("登录或注册后即可借阅");
      await expect(signIn.locator('a[href^="/register"]').count()).resolves.toBe(1);
      await expect(signIn.locator('a[href^="/login"]').count()).resolves.toBe(1);
      expect(Number(await page.evaluate("document.documentElement.scrollWidth"))).toBeLessThanOrEqual(PHONE.width);
      await session.shot("title");
      expect(problemsOf(session)).toEqual([]);
    });
  });
});

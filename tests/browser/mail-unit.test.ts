// A unit mailbox in Chromium (issue 7: "Switch between the personal mailbox and the unit mailboxes the
// user belongs to"; "send as a unit mailbox where allowed"): the mail administrator opens the city
// government office's mailbox and names a member with send-as; mail for office@ arrives over the MX; the
// member switches to the unit mailbox, reads it, and answers as office@; a colleague who is not a member
// has no such mailbox to switch to. Desktop and 390 px.
import { join } from "node:path";
import nodemailer from "nodemailer";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningServer } from "../../server/server.js";
import type { ApiClient } from "../helpers/apiClient.js";
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

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/mail-unit");
const UNIT_BOX = "office@nanning.gov.cn";
const MEMBER = "office.staff1";
const OUTSIDER = "office.leader";

let harness: BrowserHarness | undefined;
let server: RunningServer;
let browser: Browser;
let member: ApiClient;
let unitMailboxId = 0;

const password = (username: string) => server.demoAccounts.find((a) => a.username === username)?.password ?? "";

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  ({ server, browser } = harness);
  const sysadmin = await apiSignInReplacing(server.url, "sysadmin", password("sysadmin"), NEW_PASSWORD);
  const secadmin = await apiSignInReplacing(server.url, "secadmin", password("secadmin"), NEW_PASSWORD);
  const tree = await sysadmin.get("/api/org/tree");
  const office = (tree.body.units[0].children as { id: number; code: string }[]).find(
    (u) => u.code === "nanning.office",
  )!;
  // The mail administrator: office.registrar, given the role by the security administrator.
  const idOf = async (username: string) => {
    const found = await sysadmin.get(`/api/org/users?q=${encodeURIComponent(username)}`);
    return (found.body.items as { id: number; username: string }[]).find((u) => u.username === username)!.id;
  };
  const roles = (await secadmin.get("/api/org/roles")).body.items as { id: number; code: string }[];
  const granted = await secadmin.post(`/api/org/users/${await idOf("office.registrar")}/roles`, {
    roleId: roles.find((r) => r.code === "mailadmin")!.id,
    unitId: null,
  });
  expect(granted.status, granted.text).toBe(200);
  const mailAdmin = await apiSignInReplacing(
    server.url,
    "office.registrar",
    password("office.registrar"),
    NEW_PASSWORD,
  );
  const opened = await mailAdmin.post("/api/mail/admin/mailboxes", { unitId: office.id });
  expect(opened.status, opened.text).toBe(201);
  unitMailboxId = opened.body.id;
  const added = await mailAdmin.post(`/api/mail/admin/mailboxes/${unitMailboxId}/members`, {
    userId: await idOf(MEMBER),
    canSendAs: true,
  });
  expect(added.status, added.text).toBe(201);
  member = await apiSignInReplacing(server.url, MEMBER, password(MEMBER), NEW_PASSWORD);
  await apiSignInReplacing(server.url, OUTSIDER, password(OUTSIDER), NEW_PASSWORD);

  const mx = nodemailer.createTransport({ host: "127.0.0.1", port: server.smtpPort!, secure: false, ignoreTLS: true });
  await mx.sendMail({
    from: "广西壮族自治区人民政府办公厅 <bgt@gxzf.example.cn>",
    to: UNIT_BOX,
    subject: "关于报送2026年政务信息的通知",
    text: "请于12月5日前报送本单位2026年政务信息。",
  });
  mx.close();
});

afterAll(async () => {
  await harness?.close();
});

it.each([
  ["desktop", DESKTOP],
  ["phone", PHONE],
] as const)("a member switches to the unit mailbox, reads its mail and answers as it (%s)", async (name, viewport) => {
  const session = await openBrowserSession(browser, { shotsDir: shots, prefix: name, viewport });
  await withBrowserSession(session, shots, async () => {
    const { page } = session;
    await signInInBrowser(page, server.url, MEMBER, NEW_PASSWORD);
    await page.goto(`${server.url}/mail`);
    if (name === "phone") await byTestId(page, "mail-open-folders").click();
    const switcher = byTestId(page, "mail-mailbox-switcher");
    await switcher.click();
    await page.locator(".el-select-dropdown__item", { hasText: UNIT_BOX }).click();
    await page.waitForURL(new RegExp(`mailbox=${unitMailboxId}`));
    // On a phone the drawer closes by itself: the unit mailbox's INBOX is there.
    const row = page.locator('[data-testid="mail-row"]', { hasText: "关于报送2026年政务信息的通知" });
    await row.first().click();
    await expect.poll(() => byTestId(page, "mail-reader").innerText()).toContain("请于12月5日前报送");
    await session.shot("unit-message");

    await byTestId(page, "mail-reply").click();
    await byTestId(page, "compose-page").waitFor();
    await expect.poll(() => byTestId(page, "compose-from").innerText()).toContain(UNIT_BOX);
    await page.locator('textarea[data-testid="compose-body"]').fill(`已收到，${name} 将按时报送。`);
    await byTestId(page, "compose-send").click();
    await page.locator(".el-message--success").waitFor();
    await session.shot("answered");
  });
  // The answer went out from office@, and its copy is in the unit mailbox's Sent, where every member sees it.
  const mailboxes = (await member.get("/api/mail/mailboxes")).body.items as {
    id: number;
    address: string;
    folders: { id: number; role: string }[];
  }[];
  const unit = mailboxes.find((m) => m.address === UNIT_BOX)!;
  const sent = unit.folders.find((f) => f.role === "sent")!;
  const list = await member.get(`/api/mail/mailboxes/${unit.id}/folders/${sent.id}/messages`);
  expect(list.body.items.map((m: { subject: string }) => m.subject)).toContain("Re: 关于报送2026年政务信息的通知");
  const copy = list.body.items.find((m: { subject: string }) => m.subject === "Re: 关于报送2026年政务信息的通知");
  expect(copy.from.address).toBe(UNIT_BOX);
});

it("shows a colleague who is not a member no unit mailbox, and answers 404 for it", async () => {
  const session = await openBrowserSession(browser, { shotsDir: shots, prefix: "outsider", viewport: DESKTOP });
  await withBrowserSession(session, shots, async () => {
    const { page } = session;
    await signInInBrowser(page, server.url, OUTSIDER, NEW_PASSWORD);
    await page.goto(`${server.url}/mail?mailbox=${unitMailboxId}`);
    await byTestId(page, "mail-mailbox-address").waitFor();
    expect(await byTestId(page, "mail-mailbox-address").innerText()).toContain(`${OUTSIDER}@nanning.gov.cn`);
    expect(await page.locator('[data-testid="mail-mailbox-switcher"]').count()).toBe(0);
    const answer = await page.evaluate(
      `fetch("/api/mail/mailboxes/${unitMailboxId}/folders/1/messages").then((r) => r.status)`,
    );
    expect(answer).toBe(404);
  });
});

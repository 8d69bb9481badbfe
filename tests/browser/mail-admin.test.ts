// Mail administration in the SPA (issue 7), on a desktop and on a phone (390×844):
// the security administrator gives a person the built-in role 单位邮件管理员
// (unitmailadmin) for 教育局, and that person opens the bureau's mailbox and adds
// colleagues to it, one allowed to send as the bureau; a 邮件管理员 (mailadmin)
// changes the mailbox's quota, makes an alias and a list with a member. Each step is
// checked against the API. Drives the built SPA through Debian's Chromium; run
// `npm run build` first. Screenshots land in tests/browser/artifacts/mail-admin/.
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/mail-admin");

const DOMAIN = "nanning.gov.cn";
const BUREAU_BOX = `jyj@${DOMAIN}`;
const MB = 1024 * 1024;

/** The bureau's mail administrator, the mail administrator, and the colleagues added on each screen. */
const UNIT_ADMIN = { username: "jyj.mailadm", displayName: "韦丽华" };
const MAIL_ADMIN = { username: "postmaster.wang", displayName: "王建邦" };
const COLLEAGUES = {
  desktop: { username: "jyj.simaguang", displayName: "司马光" },
  phone: { username: "jyj.ouyangxiu", displayName: "欧阳修" },
};

let harness: BrowserHarness | undefined;
let server: RunningServer | undefined;
let browser: Browser | undefined;
/** The mail administrator over the API: what the screens did, read back. */
let mailApi: ApiClient;

function demoPassword(username: string): string {
  const account = server?.demoAccounts.find((a) => a.username === username);
  if (!account) throw new Error(`no demo account ${username}`);
  return account.password;
}

const apiSignIn = (username: string, password: string) =>
  apiSignInReplacing(server?.url ?? "", username, password, NEW_PASSWORD);

/** The people of this file: two administrators by the security administrator's grants, two colleagues. */
async function prepareOrganisation(): Promise<void> {
  const sysadmin = await apiSignIn("sysadmin", demoPassword("sysadmin"));
  const secadmin = await apiSignIn("secadmin", demoPassword("secadmin"));
  const tree = await sysadmin.get("/api/org/tree");
  const city = tree.body.units[0] as { children: { id: number; code: string }[] };
  const bureau = city.children.find((u) => u.code === "nanning.jyj");
  const office = city.children.find((u) => u.code === "nanning.office");
  if (!bureau || !office) throw new Error("demo units missing");
  const roles = (await secadmin.get("/api/org/roles")).body.items as { id: number; code: string }[];
  const role = (code: string) => roles.find((r) => r.code === code)?.id;

  const create = async (p: { username: string; displayName: string }, unitId: number) => {
    const made = await sysadmin.post("/api/org/users", { ...p, unitId });
    expect(made.status, made.text).toBe(201);
    return { id: made.body.user.id as number, password: made.body.initialPassword as string };
  };
  const unitAdmin = await create(UNIT_ADMIN, bureau.id);
  const grantUnit = await secadmin.post(`/api/org/users/${unitAdmin.id}/roles`, {
    roleId: role("unitmailadmin"),
    unitId: bureau.id,
  });
  expect(grantUnit.status, grantUnit.text).toBe(200);
  await apiSignIn(UNIT_ADMIN.username, unitAdmin.password);

  const mailAdmin = await create(MAIL_ADMIN, office.id);
  const grant = await secadmin.post(`/api/org/users/${mailAdmin.id}/roles`, {
    roleId: role("mailadmin"),
    unitId: null,
  });
  expect(grant.status, grant.text).toBe(200);
  mailApi = await apiSignIn(MAIL_ADMIN.username, mailAdmin.password);

  for (const colleague of Object.values(COLLEAGUES)) await create(colleague, bureau.id);
}

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  ({ server, browser } = harness);
  await prepareOrganisation();
});

afterAll(async () => {
  await harness?.close();
});

function openSession(viewport: { width: number; height: number }, prefix: string): Promise<BrowserSession> {
  if (!browser) throw new Error("no browser");
  return openBrowserSession(browser, { shotsDir: shots, prefix, viewport });
}

const isApi = (page: Page, method: string, path: RegExp) =>
  page.waitForResponse((r) => r.request().method() === method && path.test(new URL(r.url()).pathname));

/** The bureau's mailbox and its members as the API has them. */
async function bureauMailbox() {
  const found = await mailApi.get("/api/mail/admin/mailboxes?q=jyj&kind=unit");
  const box = (found.body.items as { id: number; address: string; quotaBytes: number }[]).find(
    (m) => m.address === BUREAU_BOX,
  );
  if (!box) return null;
  const members = await mailApi.get(`/api/mail/admin/mailboxes/${box.id}/members`);
  return { ...box, members: members.body.items as { username: string; canSendAs: boolean }[] };
}

/** Element Plus puts a data-testid on the native input or on its wrapper. */
function field(scope: Locator, testId: string): Locator {
  return scope.locator(`input[data-testid="${testId}"], [data-testid="${testId}"] input`).first();
}

/** Types into a remote select and takes the option that starts with `text`. */
async function pick(page: Page, scope: Locator, testId: string, typed: string, option: string, api: RegExp) {
  const box = field(scope, testId);
  await box.click({ force: true });
  const found = isApi(page, "GET", api);
  await box.fill(typed);
  await found;
  await page.locator(".el-select-dropdown__item:visible", { hasText: option }).first().click();
}

/** A screenshot once dialogs have finished opening or closing and nothing is loading. */
async function settledShot(session: BrowserSession, name: string): Promise<void> {
  const busy = session.page.locator(".el-loading-mask, .dialog-fade-enter-active, .dialog-fade-leave-active");
  await expect.poll(() => busy.count()).toBe(0);
  await session.shot(name);
}

/** A mailbox's row (desktop) or card (phone). */
function mailboxEntry(page: Page, address: string, narrow: boolean): Locator {
  const marker = `[data-testid="mailbox-${address}"]`;
  return narrow ? page.locator(marker).first() : page.locator(".el-table__row").filter({ has: page.locator(marker) });
}

async function unitAdminAddsColleague(viewport: typeof DESKTOP, label: "desktop" | "phone") {
  const narrow = label === "phone";
  const colleague = COLLEAGUES[label];
  const session = await openSession(viewport, `unit-admin-${label}`);
  await withBrowserSession(session, shots, async () => {
    const { page } = session;
    await signInInBrowser(page, server?.url ?? "", UNIT_ADMIN.username, NEW_PASSWORD);
    const loaded = isApi(page, "GET", /^\/api\/mail\/admin\/mailboxes$/);
    if (narrow) {
      await page.goto(`${server?.url}/mail/admin`);
    } else {
      // The role brings the menu entry.
      await byTestId(page, "menu-mail-admin").click();
      await page.waitForURL(/\/mail\/admin/);
    }
    await loaded;
    // Only the mailboxes of the unit: no domains, aliases or lists.
    expect(await page.locator('[data-testid="mail-admin-tabs"]').count()).toBe(0);
    await settledShot(session, "mailboxes");

    if (!narrow) {
      // The bureau's mailbox has had no mail yet: its administrator opens it, then adds its people.
      await byTestId(page, "mailbox-open").click();
      const dialog = page.locator('[data-testid="mailbox-open-dialog"]:visible');
      await dialog.waitFor();
      await expect.poll(() => byTestId(page, "mailbox-open-unit").innerText()).toContain("南宁市教育局");
      const opened = isApi(page, "POST", /^\/api\/mail\/admin\/mailboxes$/);
      await byTestId(page, "mailbox-open-save").click();
      expect((await opened).status()).toBe(201);
    } else {
      const card = mailboxEntry(page, BUREAU_BOX, true);
      await card.waitFor();
      await card.locator('[data-testid="mailbox-members"]').click();
    }

    const dialog = page.locator('[data-testid="members-dialog"]:visible');
    await dialog.waitFor();
    await pick(
      page,
      dialog,
      "member-picker",
      colleague.displayName,
      `${colleague.displayName}（`,
      /^\/api\/org\/directory$/,
    );
    // On the desktop the colleague may send as the bureau; on the phone only read.
    if (!narrow) await dialog.locator('[data-testid="member-new-send-as"]').click();
    await settledShot(session, "member-picked");
    const added = isApi(page, "POST", /^\/api\/mail\/admin\/mailboxes\/\d+\/members$/);
    await dialog.locator('[data-testid="member-add"]').click();
    expect((await added).status()).toBe(201);
    const row = dialog.locator(`[data-testid="member-${colleague.username}"]`);
    await row.waitFor();
    await settledShot(session, "member-added");

    let box = await bureauMailbox();
    expect(box?.members.find((m) => m.username === colleague.username)?.canSendAs).toBe(!narrow);

    // Send-as switched from the list, and back.
    const toggled = isApi(page, "PATCH", /^\/api\/mail\/admin\/mailboxes\/\d+\/members\/\d+$/);
    await row.locator(`[data-testid="member-send-as-${colleague.username}"]`).click();
    expect((await toggled).status()).toBe(200);
    box = await bureauMailbox();
    expect(box?.members.find((m) => m.username === colleague.username)?.canSendAs).toBe(narrow);
    await settledShot(session, "send-as-switched");
    if (narrow) expect(box?.members.map((m) => m.username)).toEqual([COLLEAGUES.desktop.username, colleague.username]);
  });
}

async function mailAdminAdministers(viewport: typeof DESKTOP, label: "desktop" | "phone") {
  const narrow = label === "phone";
  const suffix = narrow ? "p" : "d";
  const quotaMb = narrow ? 3072 : 4096;
  const session = await openSession(viewport, `mail-admin-${label}`);
  await withBrowserSession(session, shots, async () => {
    const { page } = session;
    await signInInBrowser(page, server?.url ?? "", MAIL_ADMIN.username, NEW_PASSWORD);
    await page.goto(`${server?.url}/mail/admin`);
    await byTestId(page, "mail-admin-tabs").waitFor();

    // The quota of the bureau's mailbox.
    const searched = isApi(page, "GET", /^\/api\/mail\/admin\/mailboxes$/);
    await input(page, "mailboxes-search").fill("jyj");
    await input(page, "mailboxes-search").press("Enter");
    await searched;
    const entry = mailboxEntry(page, BUREAU_BOX, narrow);
    await entry.locator('[data-testid="mailbox-quota"]').click();
    const quotaDialog = page.locator('[data-testid="quota-dialog"]:visible');
    await quotaDialog.waitFor();
    await field(quotaDialog, "quota-input").fill(String(quotaMb));
    const saved = isApi(page, "PATCH", /^\/api\/mail\/admin\/mailboxes\/\d+$/);
    await quotaDialog.locator('[data-testid="quota-save"]').click();
    expect((await saved).status()).toBe(200);
    await expect.poll(() => entry.innerText()).toContain(`/ ${quotaMb / 1024} GB`);
    expect((await bureauMailbox())?.quotaBytes).toBe(quotaMb * MB);
    await settledShot(session, "quota");

    // The DKIM record of the city's domain, to copy into its DNS.
    await byTestId(page, "mail-admin-tab-domains").click();
    const domainEntry = narrow
      ? byTestId(page, `domain-${DOMAIN}`)
      : page.locator(".el-table__row").filter({ has: page.locator(`[data-testid="domain-${DOMAIN}"]`) });
    const dkimAsked = isApi(page, "GET", /^\/api\/mail\/admin\/domains\/\d+\/dkim$/);
    await domainEntry.locator('[data-testid="domain-dkim"]').click();
    expect((await dkimAsked).status()).toBe(200);
    const dkimDialog = page.locator('[data-testid="dkim-dialog"]:visible');
    await expect
      .poll(() => dkimDialog.locator('[data-testid="dkim-name"]').innerText())
      .toMatch(/\._domainkey\.nanning\.gov\.cn$/);
    expect(await dkimDialog.locator('[data-testid="dkim-value"]').innerText()).toMatch(/^v=DKIM1; k=rsa; p=/);
    await settledShot(session, "dkim");
    await dkimDialog.locator(".el-dialog__headerbtn").click();
    await dkimDialog.waitFor({ state: "hidden" });

    // An alias of the bureau's mailbox.
    const aliasAddress = `bangong-${suffix}@${DOMAIN}`;
    await byTestId(page, "mail-admin-tab-aliases").click();
    await byTestId(page, "alias-create").click();
    const aliasDialog = page.locator('[data-testid="alias-dialog"]:visible');
    await aliasDialog.waitFor();
    await field(aliasDialog, "alias-address").fill(`bangong-${suffix}`);
    await pick(page, aliasDialog, "alias-target", "jyj@", `${BUREAU_BOX}（`, /^\/api\/mail\/admin\/mailboxes$/);
    await settledShot(session, "alias-form");
    const aliasMade = isApi(page, "POST", /^\/api\/mail\/admin\/aliases$/);
    await aliasDialog.locator('[data-testid="alias-save"]').click();
    expect((await aliasMade).status()).toBe(201);
    await byTestId(page, `alias-${aliasAddress}`).waitFor();
    const aliases = await mailApi.get(`/api/mail/admin/aliases?q=bangong-${suffix}`);
    expect(aliases.body.items).toMatchObject([{ address: aliasAddress, mailbox: { address: BUREAU_BOX } }]);
    await settledShot(session, "alias-made");

    // A list with one named member: a colleague's address that has had no mail yet, typed whole.
    const listAddress = `team-${suffix}@${DOMAIN}`;
    const member = `jyj.staff${narrow ? 2 : 1}@${DOMAIN}`;
    await byTestId(page, "mail-admin-tab-lists").click();
    await byTestId(page, "list-create").click();
    const listDialog = page.locator('[data-testid="list-dialog"]:visible');
    await listDialog.waitFor();
    await field(listDialog, "list-address").fill(`team-${suffix}`);
    await field(listDialog, "list-name").fill("教育工作组");
    const picker = field(listDialog, "list-member-picker");
    await picker.click({ force: true });
    const searchedMembers = isApi(page, "GET", /^\/api\/mail\/admin\/mailboxes$/);
    await picker.fill(member);
    await searchedMembers;
    await picker.press("Enter");
    await listDialog.locator('[data-testid="list-member-add"]').click();
    await expect.poll(() => listDialog.locator('[data-testid="list-members"]').innerText()).toContain(member);
    await settledShot(session, "list-form");
    const listMade = isApi(page, "POST", /^\/api\/mail\/admin\/lists$/);
    await listDialog.locator('[data-testid="list-save"]').click();
    expect((await listMade).status()).toBe(201);
    await byTestId(page, `list-${listAddress}`).waitFor();
    const lists = await mailApi.get(`/api/mail/admin/lists?q=team-${suffix}`);
    const list = (lists.body.items as { id: number; address: string }[]).find((l) => l.address === listAddress);
    const detail = await mailApi.get(`/api/mail/admin/lists/${list?.id}`);
    expect(detail.body).toMatchObject({ name: "教育工作组", kind: "members", senders: "local" });
    expect(detail.body.memberList.map((m: { address: string }) => m.address)).toEqual([member]);
    await settledShot(session, "list-made");
  });
}

describe("mail administration in the browser", () => {
  it("a unit's mail administrator opens the bureau's mailbox and adds a colleague who may send as it (desktop)", () =>
    unitAdminAddsColleague(DESKTOP, "desktop"));

  it("a mail administrator edits the quota, creates an alias and a list (desktop)", () =>
    mailAdminAdministers(DESKTOP, "desktop"));

  it("a unit's mail administrator adds a colleague at 390×844", () => unitAdminAddsColleague(PHONE, "phone"));

  it("a mail administrator edits the quota, creates an alias and a list at 390×844", () =>
    mailAdminAdministers(PHONE, "phone"));
});

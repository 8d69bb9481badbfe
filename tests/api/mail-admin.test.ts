// Mail administration (issue 7): domains, mailboxes and quotas, who shares a
// unit mailbox, aliases and lists, through the API as the mail administrator
// (邮件管理员), a unit's mail administrator (单位邮件管理员, granted for one unit)
// and people without those powers — the 三员 included. Runs on SQLite and, with
// DATABASE_URL=mysql://…, on MariaDB.
import { createPublicKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Mailbox } from "../../server/mailbox/models/index.js";
import { accessTo } from "../../server/mailbox/services/access.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";

let server: TestServer;
let sysadmin: ApiClient;
let secadmin: ApiClient;
let auditor: ApiClient;
let staff: ApiClient;
/** Holds the built-in role mailadmin everywhere. */
let mailadmin: ApiClient;
/** Holds the built-in role unitmailadmin for 教育局 only. */
let jyjAdmin: ApiClient;
let units: Map<string, { id: number; name: string }>;

const DOMAIN = "nanning.gov.cn";
const MB = 1024 * 1024;

interface UnitNode {
  id: number;
  code: string;
  name: string;
  children?: UnitNode[];
}

async function userId(username: string): Promise<number> {
  const res = await sysadmin.get(`/api/org/users?q=${encodeURIComponent(username)}`);
  const found = (res.body.items as { id: number; username: string }[]).find((u) => u.username === username);
  if (!found) throw new Error(`no user ${username}`);
  return found.id;
}

async function roleId(code: string): Promise<number> {
  const roles = (await secadmin.get("/api/org/roles")).body.items as { id: number; code: string }[];
  const role = roles.find((r) => r.code === code);
  if (!role) throw new Error(`no role ${code}`);
  return role.id;
}

const unit = (code: string) => {
  const found = units.get(code);
  if (!found) throw new Error(`no unit ${code}`);
  return found;
};

/** The unit mailbox of a unit code, made through the API (or found when it is there already). */
async function unitMailbox(code: string): Promise<{ id: number; address: string }> {
  const made = await mailadmin.post("/api/mail/admin/mailboxes", { unitId: unit(code).id });
  if (made.status === 201) return made.body;
  const found = await mailadmin.get(`/api/mail/admin/mailboxes?q=${encodeURIComponent(code.replace("nanning.", ""))}`);
  const box = (found.body.items as { id: number; address: string }[]).find(
    (m) => m.address === `${code.replace("nanning.", "")}@${DOMAIN}`,
  );
  if (!box) throw new Error(`no mailbox for ${code}: ${made.text}`);
  return box;
}

async function auditActions(action: string) {
  const res = await auditor.get(`/api/audit/events?action=${action}&pageSize=200`);
  expect(res.status).toBe(200);
  return res.body.items as { action: string; actorName: string; detail: Record<string, unknown> }[];
}

beforeAll(async () => {
  server = await startTestServer();
  sysadmin = await server.signIn("sysadmin");
  secadmin = await server.signIn("secadmin");
  auditor = await server.signIn("auditor");
  staff = await server.signIn("office.staff1");
  const tree = await sysadmin.get("/api/org/tree");
  units = new Map();
  const walk = (list: UnitNode[]) => {
    for (const u of list) {
      units.set(u.code, { id: u.id, name: u.name });
      walk(u.children ?? []);
    }
  };
  walk(tree.body.units);

  const postmaster = await server.newUser({ username: "postmaster.li" });
  await server.grantRole(postmaster.id, "mailadmin");
  mailadmin = postmaster.client;

  const jyj = await server.newUser({ username: "jyj.mailadmin", unitId: unit("nanning.jyj").id, departmentId: null });
  const granted = await secadmin.post(`/api/org/users/${jyj.id}/roles`, {
    roleId: await roleId("unitmailadmin"),
    unitId: unit("nanning.jyj").id,
  });
  expect(granted.status, granted.text).toBe(200);
  jyjAdmin = jyj.client;
});

afterAll(async () => {
  await server?.stop();
});

describe("who administers mail", () => {
  const READS = ["/api/mail/admin/domains", "/api/mail/admin/mailboxes", "/api/mail/admin/aliases"];

  it("plain staff are refused every administration route (403)", async () => {
    for (const path of [...READS, "/api/mail/admin/lists"]) expect((await staff.get(path)).status, path).toBe(403);
    expect((await staff.post("/api/mail/admin/domains", { name: "example.org" })).status).toBe(403);
    expect((await staff.post("/api/mail/admin/mailboxes", { unitId: unit("nanning.office").id })).status).toBe(403);
  });

  it("the 三员 do not hold these powers by default", async () => {
    for (const admin of [sysadmin, secadmin, auditor]) {
      for (const path of [...READS, "/api/mail/admin/lists"]) expect((await admin.get(path)).status, path).toBe(403);
      const res = await admin.post("/api/mail/admin/aliases", {
        address: "sanyuan@nanning.gov.cn",
        target: `office@${DOMAIN}`,
      });
      expect(res.status).toBe(403);
    }
  });

  it("a unit mail administrator has the mailboxes page but not domains, aliases or lists", async () => {
    expect((await jyjAdmin.get("/api/mail/admin/mailboxes")).status).toBe(200);
    for (const path of ["/api/mail/admin/domains", "/api/mail/admin/aliases", "/api/mail/admin/lists"])
      expect((await jyjAdmin.get(path)).status, path).toBe(403);
  });
});

describe("domains", () => {
  it("lists the configured domain, which cannot be removed", async () => {
    const res = await mailadmin.get("/api/mail/admin/domains");
    expect(res.status).toBe(200);
    expect(res.body.abilities).toEqual({ create: true });
    const own = res.body.items.find((d: { name: string }) => d.name === DOMAIN);
    expect(own).toMatchObject({ configured: true, abilities: { remove: false } });
    expect(JSON.stringify(res.body)).not.toMatch(/dkimPrivateKey|PRIVATE KEY/);
    const removed = await mailadmin.delete(`/api/mail/admin/domains/${own.id}`);
    expect(removed.status).toBe(409);
    expect(removed.body.error.code).toBe("mail_domain_configured");
  });

  it("adds a valid DNS name once, lower-cased, and refuses anything else", async () => {
    for (const name of ["not a domain", "localhost", "-bad.example", "a..b.org", "x".repeat(64) + ".org"]) {
      const res = await mailadmin.post("/api/mail/admin/domains", { name });
      expect(res.status, name).toBe(400);
    }
    const added = await mailadmin.post("/api/mail/admin/domains", { name: "Mail.Example.ORG." });
    expect(added.status, added.text).toBe(201);
    expect(added.body).toMatchObject({ name: "mail.example.org", configured: false, abilities: { remove: true } });
    const again = await mailadmin.post("/api/mail/admin/domains", { name: "mail.example.org" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("mail_domain_exists");
  });

  it("refuses to remove a domain while a mailbox, alias or list lives on it", async () => {
    const added = await mailadmin.post("/api/mail/admin/domains", { name: "busy.example.org" });
    expect(added.status).toBe(201);
    // A person's address on the new domain: their mailbox there is made as the alias's target.
    const alias = await mailadmin.post("/api/mail/admin/aliases", {
      address: "front-desk@busy.example.org",
      target: "office.staff1@busy.example.org",
    });
    expect(alias.status, alias.text).toBe(201);
    const listed = (await mailadmin.get("/api/mail/admin/domains")).body.items.find(
      (d: { name: string }) => d.name === "busy.example.org",
    );
    expect(listed).toMatchObject({ mailboxes: 1, aliases: 1, lists: 0, abilities: { remove: false } });
    const refused = await mailadmin.delete(`/api/mail/admin/domains/${added.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("mail_domain_in_use");
    expect(refused.body.error.details).toMatchObject({ mailboxes: 1, aliases: 1 });
  });

  it("removes an unused domain, and the change is audited", async () => {
    const added = await mailadmin.post("/api/mail/admin/domains", { name: "spare.example.net" });
    expect((await mailadmin.delete(`/api/mail/admin/domains/${added.body.id}`)).status).toBe(204);
    const names = (await mailadmin.get("/api/mail/admin/domains")).body.items.map((d: { name: string }) => d.name);
    expect(names).not.toContain("spare.example.net");
    expect((await mailadmin.delete(`/api/mail/admin/domains/${added.body.id}`)).status).toBe(404);
    const created = await auditActions("mail.domain.create");
    expect(created.map((e) => e.detail.name)).toEqual(expect.arrayContaining(["spare.example.net"]));
    expect(created.every((e) => e.actorName === "postmaster.li")).toBe(true);
    expect((await auditActions("mail.domain.delete")).map((e) => e.detail.name)).toContain("spare.example.net");
  });
});

describe("DKIM records", () => {
  it("shows the TXT record to publish, made once, never the private key", async () => {
    const domains = (await mailadmin.get("/api/mail/admin/domains")).body.items as { id: number; name: string }[];
    const own = domains.find((d) => d.name === DOMAIN)!;
    const first = await mailadmin.get(`/api/mail/admin/domains/${own.id}/dkim`);
    expect(first.status, first.text).toBe(200);
    expect(first.body.domain).toBe(DOMAIN);
    expect(first.body.name).toMatch(/^[a-z0-9]+\._domainkey\.nanning\.gov\.cn$/);
    const p = /^v=DKIM1; k=rsa; p=([A-Za-z0-9+/=]+)$/.exec(first.body.value)?.[1];
    expect(p).toBeDefined();
    const key = createPublicKey({ key: Buffer.from(p!, "base64"), format: "der", type: "spki" });
    expect(key.asymmetricKeyDetails?.modulusLength).toBeGreaterThanOrEqual(2048);
    // The zone-file line holds the same value in strings of at most 255 characters.
    const strings = [...(first.body.zone as string).matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    expect(strings.join("")).toBe(first.body.value);
    expect(strings.every((x) => x.length <= 255)).toBe(true);
    expect(first.body.zone.startsWith(`${first.body.name}. IN TXT (`)).toBe(true);

    const again = await mailadmin.get(`/api/mail/admin/domains/${own.id}/dkim`);
    expect(again.body).toEqual(first.body);
    const listed = (await mailadmin.get("/api/mail/admin/domains")).body.items.find(
      (d: { name: string }) => d.name === DOMAIN,
    );
    expect(first.body.name.startsWith(`${listed.dkimSelector}.`)).toBe(true);
    for (const text of [first.text, again.text, JSON.stringify(listed)]) expect(text).not.toMatch(/PRIVATE KEY/);
    // Made once, and that is on record.
    expect((await auditActions("mail.domain.dkim")).filter((e) => e.detail.name === DOMAIN)).toHaveLength(1);

    expect((await jyjAdmin.get(`/api/mail/admin/domains/${own.id}/dkim`)).status).toBe(403);
    expect((await staff.get(`/api/mail/admin/domains/${own.id}/dkim`)).status).toBe(403);
    expect((await mailadmin.get("/api/mail/admin/domains/999999/dkim")).status).toBe(404);
  });
});

describe("mailboxes and quotas", () => {
  it("opens a unit's mailbox ahead of its first mail, at its code without nanning., once", async () => {
    const made = await mailadmin.post("/api/mail/admin/mailboxes", { unitId: unit("nanning.jyj").id });
    expect(made.status, made.text).toBe(201);
    expect(made.body).toMatchObject({
      address: `jyj@${DOMAIN}`,
      kind: "unit",
      members: 0,
      owner: { kind: "unit", name: "南宁市教育局" },
      usedBytes: 0,
      abilities: { editQuota: true, manageMembers: true },
    });
    const again = await mailadmin.post("/api/mail/admin/mailboxes", { unitId: unit("nanning.jyj").id });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("mail_mailbox_exists");
    const elsewhere = await mailadmin.post("/api/mail/admin/mailboxes", {
      unitId: unit("nanning.jyj").id,
      domain: "nowhere.example",
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.code).toBe("mail_domain_not_local");
    expect((await auditActions("mail.mailbox.create")).map((e) => e.detail.address)).toContain(`jyj@${DOMAIN}`);
  });

  it("searches by address and owner, pages, and filters by kind", async () => {
    await unitMailbox("nanning.czj");
    await unitMailbox("nanning.gaj");
    // Personal mailboxes are made on their owner's first mail; an alias's target is one such use.
    await mailadmin.post("/api/mail/admin/aliases", {
      address: "jyj-desk@nanning.gov.cn",
      target: "jyj.staff1@nanning.gov.cn",
    });

    const byAddress = await mailadmin.get("/api/mail/admin/mailboxes?q=czj");
    expect(byAddress.body.items.map((m: { address: string }) => m.address)).toEqual([`czj@${DOMAIN}`]);
    const byUnit = await mailadmin.get(`/api/mail/admin/mailboxes?q=${encodeURIComponent("公安局")}`);
    expect(byUnit.body.items.map((m: { address: string }) => m.address)).toEqual([`gaj@${DOMAIN}`]);
    const person = await mailadmin.get("/api/mail/admin/mailboxes?q=jyj.staff1");
    expect(person.body.items).toHaveLength(1);
    expect(person.body.items[0]).toMatchObject({
      address: `jyj.staff1@${DOMAIN}`,
      kind: "personal",
      members: null,
      owner: { kind: "user", username: "jyj.staff1", unitName: "南宁市教育局" },
      abilities: { manageMembers: false },
    });
    // The person's name finds their mailbox as well.
    const byName = await mailadmin.get(
      `/api/mail/admin/mailboxes?q=${encodeURIComponent(person.body.items[0].owner.name)}`,
    );
    expect(byName.body.items.map((m: { address: string }) => m.address)).toContain(`jyj.staff1@${DOMAIN}`);

    const units = await mailadmin.get("/api/mail/admin/mailboxes?kind=unit&pageSize=2");
    expect(units.body.total).toBeGreaterThanOrEqual(3);
    expect(units.body.items).toHaveLength(2);
    expect(units.body.items.every((m: { kind: string }) => m.kind === "unit")).toBe(true);
    const second = await mailadmin.get("/api/mail/admin/mailboxes?kind=unit&pageSize=2&page=2");
    expect(second.body.items[0].address > units.body.items[1].address).toBe(true);
    expect(units.body.abilities).toEqual({ administer: true, editQuota: true, createFor: "all" });
  });

  it("a quota raised well above what the mailbox holds lets its holders be warned again", async () => {
    const box = await unitMailbox("nanning.gaj");
    // Whole seconds: MariaDB's DATETIME keeps no milliseconds.
    const warnedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    await Mailbox.update(
      { usedBytes: 95 * MB, quotaBytes: 100 * MB, quotaWarnedAt: warnedAt },
      { where: { id: box.id } },
    );
    // 85 %: below the 90 % that warns, but not below the 80 % that re-arms the warning: it stands.
    expect((await mailadmin.patch(`/api/mail/admin/mailboxes/${box.id}`, { quotaMb: 112 })).status).toBe(200);
    expect((await Mailbox.findByPk(box.id))?.quotaWarnedAt?.getTime()).toBe(warnedAt.getTime());
    const raised = await mailadmin.patch(`/api/mail/admin/mailboxes/${box.id}`, { quotaMb: 1024 });
    expect(raised.body).toMatchObject({ usedBytes: 95 * MB, quotaBytes: 1024 * MB });
    expect((await Mailbox.findByPk(box.id))?.quotaWarnedAt).toBeNull();
  });

  it("a mail administrator sets a quota in MB, never below 1 MB; nobody else can", async () => {
    const box = await unitMailbox("nanning.czj");
    for (const quotaMb of [0, -5, 1.5, "100"]) {
      const res = await mailadmin.patch(`/api/mail/admin/mailboxes/${box.id}`, { quotaMb });
      expect(res.status, String(quotaMb)).toBe(400);
    }
    const set = await mailadmin.patch(`/api/mail/admin/mailboxes/${box.id}`, { quotaMb: 1 });
    expect(set.status).toBe(200);
    expect(set.body.quotaBytes).toBe(MB);
    const big = await mailadmin.patch(`/api/mail/admin/mailboxes/${box.id}`, { quotaMb: 5120 });
    expect(big.body.quotaBytes).toBe(5120 * MB);
    expect((await jyjAdmin.patch(`/api/mail/admin/mailboxes/${box.id}`, { quotaMb: 10 })).status).toBe(403);
    expect((await staff.patch(`/api/mail/admin/mailboxes/${box.id}`, { quotaMb: 10 })).status).toBe(403);
    expect((await mailadmin.patch("/api/mail/admin/mailboxes/999999", { quotaMb: 10 })).status).toBe(404);
    const events = await auditActions("mail.mailbox.quota");
    expect(events[0]?.detail).toMatchObject({ address: `czj@${DOMAIN}`, quotaMb: 5120, beforeMb: 1 });
  });
});

describe("who shares a unit mailbox", () => {
  it("a unit mail administrator sees only the unit mailboxes of their unit", async () => {
    await unitMailbox("nanning.czj");
    const list = await jyjAdmin.get("/api/mail/admin/mailboxes?pageSize=200");
    expect(list.status).toBe(200);
    expect(list.body.items.map((m: { address: string }) => m.address)).toEqual([`jyj@${DOMAIN}`]);
    expect(list.body.abilities).toMatchObject({ administer: false, editQuota: false });
    expect(list.body.abilities.createFor).toEqual([{ id: unit("nanning.jyj").id, name: "南宁市教育局" }]);
    expect(list.body.items[0].abilities).toEqual({ editQuota: false, manageMembers: true });
    // Another unit's mailbox is not theirs to open.
    const other = await jyjAdmin.post("/api/mail/admin/mailboxes", { unitId: unit("nanning.wsj").id });
    expect(other.status).toBe(403);
  });

  it("adds any active person, toggles send-as and removes them; membership opens the mailbox", async () => {
    const box = await unitMailbox("nanning.jyj");
    const member = await userId("jyj.staff2");
    const outsider = await userId("czj.staff1");
    const added = await jyjAdmin.post(`/api/mail/admin/mailboxes/${box.id}/members`, { userId: member });
    expect(added.status, added.text).toBe(201);
    expect(added.body).toMatchObject({
      userId: member,
      username: "jyj.staff2",
      canSendAs: false,
      unitName: "南宁市教育局",
    });
    expect(await accessTo(member, box.id)).toEqual({ mailboxId: box.id, as: "member", canSendAs: false });
    // Anyone active, not only the unit's own staff (a colleague seconded from another unit).
    const fromElsewhere = await jyjAdmin.post(`/api/mail/admin/mailboxes/${box.id}/members`, {
      userId: outsider,
      canSendAs: true,
    });
    expect(fromElsewhere.status).toBe(201);

    const twice = await jyjAdmin.post(`/api/mail/admin/mailboxes/${box.id}/members`, { userId: member });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe("mail_member_exists");

    const sendAs = await jyjAdmin.patch(`/api/mail/admin/mailboxes/${box.id}/members/${member}`, { canSendAs: true });
    expect(sendAs.status).toBe(200);
    expect(sendAs.body).toMatchObject({ userId: member, canSendAs: true });
    expect((await accessTo(member, box.id))?.canSendAs).toBe(true);

    const members = await jyjAdmin.get(`/api/mail/admin/mailboxes/${box.id}/members`);
    expect(members.status).toBe(200);
    expect(members.body.abilities).toEqual({ manage: true });
    expect(members.body.mailbox).toMatchObject({ address: `jyj@${DOMAIN}`, members: 2 });
    expect(members.body.items.map((m: { username: string; canSendAs: boolean }) => [m.username, m.canSendAs])).toEqual([
      ["jyj.staff2", true],
      ["czj.staff1", true],
    ]);

    expect((await jyjAdmin.delete(`/api/mail/admin/mailboxes/${box.id}/members/${outsider}`)).status).toBe(204);
    expect(await accessTo(outsider, box.id)).toBeNull();
    expect((await jyjAdmin.delete(`/api/mail/admin/mailboxes/${box.id}/members/${outsider}`)).status).toBe(404);

    const actions = [
      ...(await auditActions("mail.member.add")),
      ...(await auditActions("mail.member.update")),
      ...(await auditActions("mail.member.remove")),
    ];
    expect(actions.filter((e) => e.actorName === "jyj.mailadmin").length).toBeGreaterThanOrEqual(4);
  });

  it("refuses a disabled account and someone who does not exist", async () => {
    const box = await unitMailbox("nanning.jyj");
    const { id } = await server.newUser({ username: "leaving.soon" });
    expect((await sysadmin.patch(`/api/org/users/${id}`, { disabled: true })).status).toBe(200);
    const disabled = await jyjAdmin.post(`/api/mail/admin/mailboxes/${box.id}/members`, { userId: id });
    expect(disabled.status).toBe(409);
    expect(disabled.body.error.code).toBe("mail_member_disabled");
    const missing = await jyjAdmin.post(`/api/mail/admin/mailboxes/${box.id}/members`, { userId: 999_999 });
    expect(missing.status).toBe(404);
  });

  it("a unit mail administrator cannot touch another unit's mailbox members (403)", async () => {
    const czj = await unitMailbox("nanning.czj");
    const person = await userId("czj.staff2");
    expect((await mailadmin.post(`/api/mail/admin/mailboxes/${czj.id}/members`, { userId: person })).status).toBe(201);
    expect((await jyjAdmin.get(`/api/mail/admin/mailboxes/${czj.id}/members`)).status).toBe(403);
    expect((await jyjAdmin.post(`/api/mail/admin/mailboxes/${czj.id}/members`, { userId: person })).status).toBe(403);
    expect(
      (await jyjAdmin.patch(`/api/mail/admin/mailboxes/${czj.id}/members/${person}`, { canSendAs: true })).status,
    ).toBe(403);
    expect((await jyjAdmin.delete(`/api/mail/admin/mailboxes/${czj.id}/members/${person}`)).status).toBe(403);
    // Nothing changed, and the attempts are on record as denials.
    expect(await accessTo(person, czj.id)).toEqual({ mailboxId: czj.id, as: "member", canSendAs: false });
    const denied = await auditor.get("/api/audit/events?action=authz.denied&actor=jyj.mailadmin&pageSize=50");
    expect(denied.body.items.length).toBeGreaterThanOrEqual(4);
    // Plain staff: refused too.
    expect((await staff.get(`/api/mail/admin/mailboxes/${czj.id}/members`)).status).toBe(403);
  });

  it("a personal mailbox has no members to manage (404)", async () => {
    const person = (await mailadmin.get("/api/mail/admin/mailboxes?q=jyj.staff1")).body.items[0];
    expect((await mailadmin.get(`/api/mail/admin/mailboxes/${person.id}/members`)).status).toBe(404);
    const res = await mailadmin.post(`/api/mail/admin/mailboxes/${person.id}/members`, {
      userId: await userId("jyj.staff2"),
    });
    expect(res.status).toBe(404);
  });
});

describe("aliases", () => {
  it("points a free local address at a mailbox, made on first use", async () => {
    const res = await mailadmin.post("/api/mail/admin/aliases", {
      address: "BanGong@Nanning.gov.cn",
      target: `office@${DOMAIN}`,
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      address: `bangong@${DOMAIN}`,
      mailbox: { address: `office@${DOMAIN}`, ownerName: "南宁市人民政府办公室" },
    });
    const listed = await mailadmin.get("/api/mail/admin/aliases?q=bangong");
    expect(listed.body.items.map((a: { address: string }) => a.address)).toEqual([`bangong@${DOMAIN}`]);
    expect(listed.body.abilities).toEqual({ create: true });
    // Found by the mailbox it points at, too.
    const byTarget = await mailadmin.get("/api/mail/admin/aliases?q=office@");
    expect(byTarget.body.items.map((a: { address: string }) => a.address)).toContain(`bangong@${DOMAIN}`);
    const audit = await auditActions("mail.alias.create");
    expect(audit.map((e) => e.detail.address)).toContain(`bangong@${DOMAIN}`);
  });

  it("refuses an address another mailbox, alias, list, person or unit holds (409, by what)", async () => {
    await unitMailbox("nanning.jyj");
    const list = await mailadmin.post("/api/mail/admin/lists", {
      address: "clash-list@nanning.gov.cn",
      name: "冲突测试",
      kind: "all_units",
      senders: "local",
    });
    expect(list.status, list.text).toBe(201);
    const cases: [string, string][] = [
      [`jyj@${DOMAIN}`, "mail_address_is_mailbox"],
      [`bangong@${DOMAIN}`, "mail_address_is_alias"],
      ["clash-list@nanning.gov.cn", "mail_address_is_list"],
      // A username with no mailbox yet: its address is theirs the moment mail comes.
      [`office.registrar@${DOMAIN}`, "mail_address_is_user"],
      // A unit code without nanning.: the unit's mailbox-to-be.
      [`fgw@${DOMAIN}`, "mail_address_is_unit"],
      // The same on another local domain.
      ["fgw@mail.example.org", "mail_address_is_unit"],
    ];
    for (const [address, code] of cases) {
      const res = await mailadmin.post("/api/mail/admin/aliases", { address, target: `office@${DOMAIN}` });
      expect(res.status, address).toBe(409);
      expect(res.body.error.code, address).toBe(code);
      expect(res.body.error.details).toEqual({ address });
    }
  });

  it("refuses a foreign domain, a malformed address and a target nobody receives at", async () => {
    const foreign = await mailadmin.post("/api/mail/admin/aliases", {
      address: "x@gmail.com",
      target: `office@${DOMAIN}`,
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe("mail_domain_not_local");
    for (const address of ["a b@nanning.gov.cn", ".dot@nanning.gov.cn", "two..dots@nanning.gov.cn", "no-at-sign"]) {
      const res = await mailadmin.post("/api/mail/admin/aliases", { address, target: `office@${DOMAIN}` });
      expect(res.status, address).toBe(400);
      expect(res.body.error.code, address).toBe("mail_address_invalid");
    }
    const unknown = await mailadmin.post("/api/mail/admin/aliases", {
      address: "helpdesk@nanning.gov.cn",
      target: "nobody.here@nanning.gov.cn",
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("mail_address_unknown");
    const remote = await mailadmin.post("/api/mail/admin/aliases", {
      address: "helpdesk@nanning.gov.cn",
      target: "someone@example.com",
    });
    expect(remote.body.error.code).toBe("mail_domain_not_local");
  });

  it("gives an address to one alias or list when both are asked for at once", async () => {
    for (let round = 0; round < 5; round++) {
      const address = `race${round}@nanning.gov.cn`;
      const answers = await Promise.all([
        mailadmin.post("/api/mail/admin/aliases", { address, target: `office@${DOMAIN}` }),
        mailadmin.post("/api/mail/admin/lists", { address, name: "抢注", kind: "all_units", senders: "local" }),
        mailadmin.post("/api/mail/admin/aliases", { address, target: `jyj@${DOMAIN}` }),
      ]);
      expect(answers.map((a) => a.status).sort(), address).toEqual([201, 409, 409]);
    }
  });

  it("points an alias elsewhere and removes it", async () => {
    const made = await mailadmin.post("/api/mail/admin/aliases", {
      address: "duty@nanning.gov.cn",
      target: `office@${DOMAIN}`,
    });
    const moved = await mailadmin.patch(`/api/mail/admin/aliases/${made.body.id}`, { target: `jyj@${DOMAIN}` });
    expect(moved.status).toBe(200);
    expect(moved.body.mailbox.address).toBe(`jyj@${DOMAIN}`);
    expect((await mailadmin.delete(`/api/mail/admin/aliases/${made.body.id}`)).status).toBe(204);
    expect((await mailadmin.delete(`/api/mail/admin/aliases/${made.body.id}`)).status).toBe(404);
    // Free again once removed.
    const reused = await mailadmin.post("/api/mail/admin/aliases", {
      address: "duty@nanning.gov.cn",
      target: `office@${DOMAIN}`,
    });
    expect(reused.status).toBe(201);
    expect((await auditActions("mail.alias.update")).length).toBe(1);
    expect((await auditActions("mail.alias.delete")).map((e) => e.detail.address)).toContain("duty@nanning.gov.cn");
  });
});

describe("distribution lists", () => {
  it("stores a list of named mailboxes, made on first use", async () => {
    const res = await mailadmin.post("/api/mail/admin/lists", {
      address: "edu-team@nanning.gov.cn",
      name: "教育工作组",
      kind: "members",
      senders: "members",
      members: [`jyj.staff1@${DOMAIN}`, `jyj@${DOMAIN}`, `jyj.leader@${DOMAIN}`],
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      address: "edu-team@nanning.gov.cn",
      kind: "members",
      senders: "members",
      unit: null,
      members: 3,
    });
    expect(res.body.memberList.map((m: { address: string }) => m.address).sort()).toEqual(
      [`jyj.leader@${DOMAIN}`, `jyj.staff1@${DOMAIN}`, `jyj@${DOMAIN}`].sort(),
    );
    const listed = await mailadmin.get("/api/mail/admin/lists?q=edu-team");
    expect(listed.body.items[0]).toMatchObject({ name: "教育工作组", members: 3 });
    expect(listed.body.abilities).toEqual({ create: true });
  });

  it("needs the unit for a unit's leaders, and has no named members for the organisation's kinds", async () => {
    const noUnit = await mailadmin.post("/api/mail/admin/lists", {
      address: "jyj-leaders@nanning.gov.cn",
      name: "教育局领导",
      kind: "unit_leaders",
      senders: "local",
    });
    expect(noUnit.status).toBe(400);
    expect(noUnit.body.error.code).toBe("mail_list_unit_required");
    const leaders = await mailadmin.post("/api/mail/admin/lists", {
      address: "jyj-leaders@nanning.gov.cn",
      name: "教育局领导",
      kind: "unit_leaders",
      unitId: unit("nanning.jyj").id,
      senders: "local",
    });
    expect(leaders.status).toBe(201);
    expect(leaders.body.unit).toEqual({ id: unit("nanning.jyj").id, name: "南宁市教育局" });
    const withMembers = await mailadmin.post("/api/mail/admin/lists", {
      address: "all-units@nanning.gov.cn",
      name: "全市各单位",
      kind: "all_units",
      senders: "local",
      members: [`jyj@${DOMAIN}`],
    });
    expect(withMembers.status).toBe(400);
    expect(withMembers.body.error.code).toBe("mail_list_not_static");
    const addTo = await mailadmin.post(`/api/mail/admin/lists/${leaders.body.id}/members`, {
      address: `jyj@${DOMAIN}`,
    });
    expect(addTo.status).toBe(400);
    expect(addTo.body.error.code).toBe("mail_list_not_static");
    for (const bad of [{ kind: "everyone" }, { senders: "nobody" }]) {
      const res = await mailadmin.post("/api/mail/admin/lists", {
        address: "bad-kind@nanning.gov.cn",
        name: "x",
        kind: "members",
        senders: "anyone",
        ...bad,
      });
      expect(res.status).toBe(400);
    }
  });

  it("follows the same address rules as aliases", async () => {
    for (const [address, code] of [
      [`bangong@${DOMAIN}`, "mail_address_is_alias"],
      [`jyj.staff3@${DOMAIN}`, "mail_address_is_user"],
      [`jyj@${DOMAIN}`, "mail_address_is_mailbox"],
      [`tjj@${DOMAIN}`, "mail_address_is_unit"],
      ["edu-team@nanning.gov.cn", "mail_address_is_list"],
    ]) {
      const res = await mailadmin.post("/api/mail/admin/lists", {
        address,
        name: "x",
        kind: "all_units",
        senders: "local",
      });
      expect(res.status, address).toBe(409);
      expect(res.body.error.code, address).toBe(code);
    }
  });

  it("adds and removes named members, changes its kind and removes it, all audited", async () => {
    const made = await mailadmin.post("/api/mail/admin/lists", {
      address: "finance-team@nanning.gov.cn",
      name: "财政工作组",
      kind: "members",
      senders: "anyone",
    });
    const id = made.body.id as number;
    const added = await mailadmin.post(`/api/mail/admin/lists/${id}/members`, { address: `czj@${DOMAIN}` });
    expect(added.status).toBe(201);
    expect(added.body.memberList.map((m: { address: string }) => m.address)).toEqual([`czj@${DOMAIN}`]);
    const twice = await mailadmin.post(`/api/mail/admin/lists/${id}/members`, { address: `CZJ@${DOMAIN}` });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe("mail_list_member_exists");
    const person = await mailadmin.post(`/api/mail/admin/lists/${id}/members`, { address: `czj.leader@${DOMAIN}` });
    expect(person.body.members).toBe(2);
    const czjBox = added.body.memberList[0].id as number;
    const removed = await mailadmin.delete(`/api/mail/admin/lists/${id}/members/${czjBox}`);
    expect(removed.status).toBe(200);
    expect(removed.body.memberList.map((m: { address: string }) => m.address)).toEqual([`czj.leader@${DOMAIN}`]);
    expect((await mailadmin.delete(`/api/mail/admin/lists/${id}/members/${czjBox}`)).status).toBe(404);

    const renamed = await mailadmin.patch(`/api/mail/admin/lists/${id}`, { name: "财政局工作组", senders: "local" });
    expect(renamed.body).toMatchObject({ name: "财政局工作组", senders: "local", members: 1 });
    // Reading its people from the organisation instead: the named members go.
    const changed = await mailadmin.patch(`/api/mail/admin/lists/${id}`, {
      kind: "unit_leaders",
      unitId: unit("nanning.czj").id,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ kind: "unit_leaders", members: 0, memberList: [] });
    const toMembers = await mailadmin.patch(`/api/mail/admin/lists/${id}`, { kind: "all_units" });
    expect(toMembers.body.unit).toBeNull();

    expect((await mailadmin.delete(`/api/mail/admin/lists/${id}`)).status).toBe(204);
    expect((await mailadmin.get(`/api/mail/admin/lists/${id}`)).status).toBe(404);

    for (const action of [
      "mail.list.create",
      "mail.list.update",
      "mail.list.delete",
      "mail.list.member.add",
      "mail.list.member.remove",
    ]) {
      const events = await auditActions(action);
      expect(
        events.some((e) => e.detail.address === "finance-team@nanning.gov.cn"),
        action,
      ).toBe(true);
    }
    const update = (await auditActions("mail.list.update")).find((e) => e.detail.droppedMembers === 1);
    expect(update?.detail.before).toMatchObject({ kind: "members" });
  });
});

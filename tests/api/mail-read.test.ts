// Webmail's reading side over the API (issue 7): mailboxes with folders, unread counts and quota;
// message lists, reading (GB2312 and Big5 headers decoded, HTML as JSON data), attachments, inline
// images and the raw source; flags, moves, deletion with the quota given back; user folders; search
// with Chinese words; and who may open which mailbox. Messages are delivered as the MX delivers them
// (deliverToMailboxes), taken from the e-mail corpus and built from the laws corpus. Runs on SQLite,
// and on MariaDB with DATABASE_URL.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { crc32, deflateSync } from "node:zlib";
import iconv from "iconv-lite";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { Converter } from "opencc-js/cn2t";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MailboxMember, MailMessage, type Mailbox } from "../../server/mailbox/models/index.js";
import { lookUpAddress } from "../../server/mailbox/services/addresses.js";
import { deliverToMailboxes } from "../../server/mailbox/services/delivery.js";
import type { MailboxBody, MessageBody, MessageSummaryBody } from "../../server/mailbox/presenters/readShapes.js";
import type { ApiClient } from "../helpers/apiClient.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

const corpus = join(import.meta.dirname, "../../../shared/corpus");
const law = (path: string) =>
  readFileSync(join(corpus, "laws", path), "utf8")
    .split("<!-- INFO END -->")[1]!
    .split("\n")
    .filter((line) => line.startsWith("第"))
    .join("\r\n");
/** 教师法: a GBK body about 教师 and 教育. */
const TEACHERS = law("行政法/教师法(2009-08-27).md").slice(0, 1500);
/** 个人所得税法实施条例 in Traditional characters: a Big5 body about 稅務 (税务). */
const TAX = Converter({ from: "cn", to: "tw" })(law("行政法规/个人所得税法实施条例(2018-12-18).md").slice(0, 1200));

let server: TestServer;
let staff: ApiClient;
let registrar: ApiClient;
let leader: ApiClient;
let auditor: ApiClient;
let mine: MailboxBody;

/** No DNS in tests: the sender checks record that they could not run, quickly. */
const resolver = async () => {
  throw Object.assign(new Error("no DNS here"), { code: "ENOTFOUND" });
};

/** Delivers as the MX does; the new message's id, or null when the mailbox had these very bytes already. */
async function deliverOnce(address: string, raw: Buffer | string): Promise<number | null> {
  const found = await lookUpAddress(address, 50 * 1024 * 1024);
  if (found.kind !== "mailbox") throw new Error(`${address}: ${found.kind}`);
  const delivered = await deliverToMailboxes(
    server.sequelize,
    server.blobs,
    Readable.from([Buffer.from(raw)]),
    [found.mailbox],
    {
      maxBytes: 50 * 1024 * 1024,
      arrival: {
        ip: "192.0.2.10",
        helo: "mail.gxdl.example.cn",
        sender: "notice@gxdl.example.cn",
        recipients: [address],
      },
      mta: "nanning.gov.cn",
      resolver,
    },
  );
  if (!delivered.mailboxIds.length) return null;
  const made = await MailMessage.findOne({ where: { mailboxId: found.mailbox.id }, order: [["id", "DESC"]] });
  return made!.id;
}

async function deliver(address: string, raw: Buffer | string): Promise<number> {
  const id = await deliverOnce(address, raw);
  if (id === null) throw new Error("nothing was delivered");
  return id;
}

function compose(mail: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(mail).compile().build();
}

const encodedWord = (text: string, charset: string) =>
  `=?${charset}?B?${iconv.encode(text, charset).toString("base64")}?=`;

/** A 2006 mail client's message: encoded-word headers in `charset`, the body 8-bit in `bodyCharset`. */
function legacyMessage(props: { subject: string; fromName: string; to: string; body: string; charset: string }) {
  return Buffer.concat([
    Buffer.from(
      [
        `From: ${encodedWord(props.fromName, props.charset)} <notice@gxdl.example.cn>`,
        `To: ${props.to}`,
        `Subject: ${encodedWord(props.subject, props.charset)}`,
        "Date: Tue, 07 Mar 2006 09:30:00 +0800",
        `Message-ID: <${Math.random().toString(36).slice(2)}@gxdl.example.cn>`,
        "MIME-Version: 1.0",
        `Content-Type: text/plain; charset="${props.charset}"`,
        "Content-Transfer-Encoding: 8bit",
        "",
        "",
      ].join("\r\n"),
    ),
    iconv.encode(`${props.body}\r\n`, props.charset),
  ]);
}

/** A real PNG (w×h, one colour), as a scanner or a screenshot tool writes one. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.concat(
    Array.from({ length: height }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0xb3)])),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const PDF_NAME = "001-trivial_minimal-document.pdf";
const PDF = readFileSync(join(corpus, "pdf-samples", PDF_NAME));
const IMAGE = png(16, 8);

async function mailboxes(client: ApiClient): Promise<MailboxBody[]> {
  const res = await client.get("/api/mail/mailboxes");
  expect(res.status).toBe(200);
  return res.body.items;
}

const folder = (mailbox: MailboxBody, role: string) => mailbox.folders.find((f) => f.role === role)!;

async function list(client: ApiClient, mailbox: MailboxBody, role: string, query = ""): Promise<MessageSummaryBody[]> {
  const res = await client.get(
    `/api/mail/mailboxes/${mailbox.id}/folders/${folder(mailbox, role).id}/messages${query}`,
  );
  expect(res.status).toBe(200);
  return res.body.items;
}

beforeAll(async () => {
  server = await startTestServer();
  staff = await server.signIn("office.staff1");
  registrar = await server.signIn("office.registrar");
  leader = await server.signIn("office.leader");
  auditor = await server.signIn("auditor");
  mine = (await mailboxes(staff))[0]!;
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe("mailboxes and reading", () => {
  let gbId = 0;
  let big5Id = 0;
  let multipartId = 0;

  it("lists the caller's own mailbox with its standard folders, unread counts and quota", async () => {
    expect(mine).toMatchObject({ address: "office.staff1@nanning.gov.cn", kind: "personal" });
    expect(mine.access).toEqual({ as: "owner", canSendAs: true });
    expect(mine.folders.map((f) => f.role)).toEqual(["inbox", "drafts", "sent", "junk", "trash"]);
    expect(mine.folders.every((f) => !f.abilities.rename && !f.abilities.remove)).toBe(true);
    gbId = await deliver(
      mine.address,
      legacyMessage({
        subject: "关于报送2006年工作总结的通知",
        fromName: "广西电力网",
        to: mine.address,
        body: TEACHERS,
        charset: "gb2312",
      }),
    );
    const [after] = await mailboxes(staff);
    expect(folder(after!, "inbox")).toMatchObject({ total: 1, unread: 1 });
    const size = (await MailMessage.findByPk(gbId))!.size;
    expect(after!.quota.usedBytes).toBe(size);
    expect(after!.quota.quotaBytes).toBeGreaterThan(size);
  });

  it("decodes GB2312 and Big5 headers and bodies", async () => {
    big5Id = await deliver(
      mine.address,
      legacyMessage({
        subject: "關於個人所得稅申報的通知",
        fromName: "臺灣稅務研究會",
        to: mine.address,
        body: TAX,
        charset: "big5",
      }),
    );
    const items = await list(staff, mine, "inbox");
    expect(items.map((m) => m.subject)).toEqual(["關於個人所得稅申報的通知", "关于报送2006年工作总结的通知"]);
    expect(items[1]!.from).toEqual({ name: "广西电力网", address: "notice@gxdl.example.cn" });
    const gb = await staff.get(`/api/mail/mailboxes/${mine.id}/messages/${gbId}`);
    expect(gb.status).toBe(200);
    expect(gb.body.text).toContain("第一条 为了保障教师的合法权益");
    const big5 = await staff.get(`/api/mail/mailboxes/${mine.id}/messages/${big5Id}`);
    expect(big5.body.headers.from).toEqual([{ name: "臺灣稅務研究會", address: "notice@gxdl.example.cn" }]);
    expect(big5.body.text).toContain(TAX.split("\r\n")[0]);
  });

  it("reads a multipart message: headers, text, the HTML as JSON data, its parts; and marks it seen", async () => {
    const raw = await compose({
      from: "教育局办公室 <jyj@nanning.gov.cn>",
      to: [`${mine.address}`, "office.registrar@nanning.gov.cn"],
      cc: "office.leader@nanning.gov.cn",
      subject: "2006年教育经费预算（附件）",
      messageId: "<budget-2006@nanning.gov.cn>",
      date: new Date("2006-03-09T02:00:00Z"),
      text: TEACHERS,
      html: `<p>请审阅附件。</p><img src="cid:chart@jyj" alt="图表"><script>alert(1)</script>`,
      attachments: [
        { filename: "chart.png", content: IMAGE, contentType: "image/png", cid: "chart@jyj" },
        { filename: "2006年预算说明.pdf", content: PDF, contentType: "application/pdf" },
        { filename: "page.html", content: "<script>alert(document.cookie)</script>", contentType: "text/html" },
      ],
    });
    multipartId = await deliver(mine.address, raw);
    const [unread] = await list(staff, mine, "inbox", "?unread=1");
    expect(unread!.id).toBe(multipartId);
    const before = await list(staff, mine, "inbox");
    const summary = before.find((m) => m.id === multipartId)!;
    expect(summary).toMatchObject({ seen: false, hasAttachments: true, subject: "2006年教育经费预算（附件）" });
    expect(summary.toText).toContain("office.registrar@nanning.gov.cn");

    const res = await staff.get(`/api/mail/mailboxes/${mine.id}/messages/${multipartId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const message: MessageBody = res.body;
    expect(message.seen).toBe(true);
    expect(message.messageId).toBe("<budget-2006@nanning.gov.cn>");
    expect(message.headers).toMatchObject({
      from: [{ name: "教育局办公室", address: "jyj@nanning.gov.cn" }],
      cc: [{ name: "", address: "office.leader@nanning.gov.cn" }],
      date: "2006-03-09T02:00:00.000Z",
      subject: "2006年教育经费预算（附件）",
    });
    expect(message.headers.to.map((a) => a.address)).toEqual([mine.address, "office.registrar@nanning.gov.cn"]);
    // The HTML as sent: the client sanitises it.
    expect(message.html).toContain("<script>alert(1)</script>");
    expect(message.text).toContain("第二条 本法适用于");
    expect(message.folder).toMatchObject({ role: "inbox", name: "INBOX" });
    expect(message.attachments).toEqual([
      expect.objectContaining({ index: 0, filename: "chart.png", contentType: "image/png", size: IMAGE.length }),
      expect.objectContaining({
        index: 1,
        filename: "2006年预算说明.pdf",
        contentType: "application/pdf",
        size: PDF.length,
      }),
      expect.objectContaining({ index: 2, filename: "page.html", contentType: "text/html", inlineUrl: null }),
    ]);
    expect(message.attachments[0]).toMatchObject({ cid: "chart@jyj", inline: true });
    expect(message.attachments[1]).toMatchObject({ cid: null, inline: false });
    const [after] = await mailboxes(staff);
    expect(folder(after!, "inbox")).toMatchObject({ total: 3, unread: 0 });
  });

  it("downloads parts as files with their type and an RFC 5987 name; inline images for the pane; the raw .eml", async () => {
    const base = `/api/mail/mailboxes/${mine.id}/messages/${multipartId}`;
    const pdf = await fetch(`${server.url}${base}/attachments/1`, { headers: { cookie: cookieOf(staff) } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(pdf.headers.get("x-content-type-options")).toBe("nosniff");
    expect(pdf.headers.get("content-disposition")).toContain("attachment");
    expect(pdf.headers.get("content-disposition")).toContain(
      `filename*=UTF-8''${encodeURIComponent("2006年预算说明.pdf")}`,
    );
    expect(Buffer.from(await pdf.arrayBuffer()).equals(PDF)).toBe(true);

    // An HTML attachment is a download that runs nothing here, never a page of this origin.
    const html = await fetch(`${server.url}${base}/attachments/2`, { headers: { cookie: cookieOf(staff) } });
    expect(html.headers.get("content-disposition")).toMatch(/^attachment/);
    expect(html.headers.get("content-security-policy")).toContain("sandbox");
    expect(await html.text()).toBe("<script>alert(document.cookie)</script>");

    const image = await fetch(`${server.url}${base}/inline/0`, { headers: { cookie: cookieOf(staff) } });
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(image.headers.get("content-disposition")).toMatch(/^inline/);
    expect(Buffer.from(await image.arrayBuffer()).equals(IMAGE)).toBe(true);
    // Only raster images are shown inline: the PDF and the HTML are not.
    expect((await staff.get(`${base}/inline/1`)).status).toBe(404);
    expect((await staff.get(`${base}/inline/2`)).status).toBe(404);
    expect((await staff.get(`${base}/attachments/3`)).status).toBe(404);

    const raw = await fetch(`${server.url}${base}/raw`, { headers: { cookie: cookieOf(staff) } });
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-type")).toBe("message/rfc822");
    expect(raw.headers.get("content-disposition")).toContain(".eml");
    const text = Buffer.from(await raw.arrayBuffer()).toString("utf8");
    const stored = (await MailMessage.findByPk(multipartId))!;
    expect(text.startsWith(stored.traceHeaders!)).toBe(true);
    expect(text).toContain("Message-ID: <budget-2006@nanning.gov.cn>");
    expect(Number(raw.headers.get("content-length"))).toBe(Buffer.byteLength(text));

    const source = await staff.get(`${base}/source`);
    expect(source.body).toMatchObject({ truncated: false, size: stored.size });
    expect(source.body.text).toBe(text);
  });

  it("shows the raw source of a message that cannot be parsed", async () => {
    // A header block past mailparser's 1 MB limit: kept, and shown as it came.
    const raw = Buffer.concat([
      Buffer.from(`Subject: broken\r\nX-Filler: ${"x".repeat(1100 * 1024)}\r\n`),
      Buffer.from("Content-Type: text/plain; charset=gb2312\r\n\r\n"),
      iconv.encode("正文无法解析时显示原始内容\r\n", "gb2312"),
    ]);
    const id = await deliver(mine.address, raw);
    expect((await MailMessage.findByPk(id))!.parseError).toBeTruthy();
    const res = await staff.get(`/api/mail/mailboxes/${mine.id}/messages/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.unreadable).toBe(true);
    expect(res.body.parseError).toBeTruthy();
    expect(res.body.source.truncated).toBe(true);
    expect(res.body.source.text).toContain("Subject: broken\r\nX-Filler: xxxx");
    const whole = await fetch(`${server.url}/api/mail/mailboxes/${mine.id}/messages/${id}/raw`, {
      headers: { cookie: cookieOf(staff) },
    });
    expect(Buffer.from(await whole.arrayBuffer()).includes(iconv.encode("正文无法解析时显示原始内容", "gb2312"))).toBe(
      true,
    );
  });

  it("reads every message of the e-mail corpus", async () => {
    const { client } = await server.newUser({ username: "corpus.reader" });
    const [box] = await mailboxes(client);
    const files = readdirSync(join(corpus, "eml")).filter((f) => f.endsWith(".eml"));
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) await deliverOnce(box!.address, readFileSync(join(corpus, "eml", file)));
    const total = await MailMessage.count({ where: { mailboxId: box!.id } });
    // Byte-identical samples are one message (delivered once).
    expect(total).toBeGreaterThan(100);
    let page = 1;
    let read = 0;
    for (;;) {
      const res = await client.get(
        `/api/mail/mailboxes/${box!.id}/folders/${folder(box!, "inbox").id}/messages?page=${page}&pageSize=100`,
      );
      for (const item of res.body.items as MessageSummaryBody[]) {
        const message = await client.get(`/api/mail/mailboxes/${box!.id}/messages/${item.id}`);
        expect(message.status, `message ${item.id}`).toBe(200);
        const body: MessageBody = message.body;
        // Parsed, or shown as its raw source.
        if (body.parseError !== null) expect(body.source?.text.length, `message ${item.id}`).toBeGreaterThan(0);
        for (const part of body.attachments) {
          const file = await fetch(`${server.url}${part.url}`, { headers: { cookie: cookieOf(client) } });
          expect(file.status, `${item.id} part ${part.index}`).toBe(200);
          expect((await file.arrayBuffer()).byteLength, `${item.id} part ${part.index}`).toBe(part.size);
        }
        read += 1;
      }
      if (res.body.items.length < 100) break;
      page += 1;
    }
    expect(read).toBe(total);
  });
});

describe("changing mail", () => {
  let box: MailboxBody;
  let client: ApiClient;
  const subjects = (JSON.parse(readFileSync(join(corpus, "laws/metadata.json"), "utf8")) as { name: string }[]).map(
    (l) => l.name,
  );

  beforeAll(async () => {
    ({ client } = await server.newUser({ username: "mail.changer" }));
    box = (await mailboxes(client))[0]!;
    for (const subject of subjects.slice(0, 5))
      await deliver(
        box.address,
        await compose({ from: "fgb@nanning.gov.cn", to: box.address, subject, text: subject }),
      );
  });

  const audited = async (action: string) =>
    (await auditor.get(`/api/audit/events?action=${action}&actor=mail.changer&pageSize=100`)).body;

  it("pages a folder newest first, and keeps to the unread when asked", async () => {
    const first = await client.get(
      `/api/mail/mailboxes/${box.id}/folders/${folder(box, "inbox").id}/messages?page=1&pageSize=2`,
    );
    expect(first.body).toMatchObject({ total: 5, page: 1, pageSize: 2 });
    expect(first.body.items.map((m: MessageSummaryBody) => m.subject)).toEqual([subjects[4], subjects[3]]);
    const last = await client.get(
      `/api/mail/mailboxes/${box.id}/folders/${folder(box, "inbox").id}/messages?page=3&pageSize=2`,
    );
    expect(last.body.items.map((m: MessageSummaryBody) => m.subject)).toEqual([subjects[0]]);
    expect(
      (await client.get(`/api/mail/mailboxes/${box.id}/folders/${folder(box, "inbox").id}/messages?pageSize=101`))
        .status,
    ).toBe(400);
  });

  it("marks seen and flagged in bulk, as the reader's own marks: nothing goes to the audit log", async () => {
    const items = await list(client, box, "inbox");
    const ids = items.slice(0, 3).map((m) => m.id);
    const before = (await audited("")).total;
    const res = await client.post(`/api/mail/mailboxes/${box.id}/messages/flags`, { ids, seen: true, flagged: true });
    expect(res.body).toEqual({ changed: 3 });
    expect((await list(client, box, "inbox", "?unread=1")).map((m) => m.id)).toEqual(items.slice(3).map((m) => m.id));
    expect((await list(client, box, "inbox")).filter((m) => m.flagged).map((m) => m.id)).toEqual(ids);
    expect(folder((await mailboxes(client))[0]!, "inbox").unread).toBe(2);
    await client.post(`/api/mail/mailboxes/${box.id}/messages/flags`, { ids: [ids[0]], seen: false });
    expect(folder((await mailboxes(client))[0]!, "inbox").unread).toBe(3);
    expect((await audited("")).total).toBe(before);
    expect((await client.post(`/api/mail/mailboxes/${box.id}/messages/flags`, { ids })).status).toBe(400);
  });

  it("manages the user's folders: unique names in any case, standard folders kept, deleted folders' mail in the Trash", async () => {
    const base = `/api/mail/mailboxes/${box.id}/folders`;
    const made = await client.post(base, { name: "  2006年文件 " });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      name: "2006年文件",
      role: null,
      total: 0,
      abilities: { rename: true, remove: true },
    });
    for (const name of ["2006年文件", "inbox", "TRASH"]) {
      const again = await client.post(base, { name });
      expect(again.status, name).toBe(409);
      expect(again.body.error.code).toBe("mail_folder_exists");
    }
    for (const name of ["", "a/b", "..", "x".repeat(101), "a\u200bb"])
      expect((await client.post(base, { name })).status, name).toBe(400);
    const inbox = folder(box, "inbox");
    const renameInbox = await client.patch(`${base}/${inbox.id}`, { name: "收件箱" });
    expect(renameInbox.status).toBe(409);
    expect(renameInbox.body.error.code).toBe("mail_folder_standard");
    expect((await client.delete(`${base}/${inbox.id}`)).status).toBe(409);
    const renamed = await client.patch(`${base}/${made.body.id}`, { name: "2006年存档" });
    expect(renamed.body.name).toBe("2006年存档");
    expect((await client.patch(`${base}/${made.body.id}`, { name: "Sent" })).status).toBe(409);

    // Moving gives new UIDs in the folder; the move is audited without subjects.
    const ids = (await list(client, box, "inbox"))
      .slice(0, 2)
      .map((m) => m.id)
      .sort((a, b) => a - b);
    const moved = await client.post(`/api/mail/mailboxes/${box.id}/messages/move`, { ids, folderId: made.body.id });
    expect(moved.body).toEqual({ moved: ids });
    const inFolder = await client.get(`${base}/${made.body.id}/messages`);
    // New UIDs in the folder, in the order the messages arrived.
    expect(inFolder.body.items.map((m: MessageSummaryBody) => [m.id, m.uid])).toEqual([
      [ids[1], 2],
      [ids[0], 1],
    ]);
    const event = (await audited("mail.message.move")).items[0];
    expect(event).toMatchObject({ targetType: "mail_folder", targetId: String(made.body.id) });
    expect(JSON.stringify(event)).not.toContain(subjects[4]);

    // Deleting the folder puts its messages in the Trash.
    const removed = await client.delete(`${base}/${made.body.id}`);
    expect(removed.body).toEqual({ moved: 2 });
    const after = (await mailboxes(client))[0]!;
    expect(after.folders.map((f) => f.name)).not.toContain("2006年存档");
    expect(folder(after, "trash").total).toBe(2);
    expect((await audited("mail.folder.delete")).items[0].detail).toMatchObject({ name: "2006年存档", moved: 2 });
    expect((await client.get(`${base}/${made.body.id}/messages`)).status).toBe(404);
  });

  it("deletes to the Trash, then for good, giving the bytes back to the quota", async () => {
    const start = (await mailboxes(client))[0]!;
    const [message] = await list(client, start, "inbox");
    const stored = (await MailMessage.findByPk(message!.id))!;
    const first = await client.post(`/api/mail/mailboxes/${box.id}/messages/delete`, { ids: [message!.id] });
    expect(first.body).toMatchObject({ trashed: [message!.id], removed: [], freedBytes: 0 });
    expect(first.body.quota.usedBytes).toBe(start.quota.usedBytes);
    const trash = (await list(client, start, "trash")).map((m) => m.id);
    expect(trash).toContain(message!.id);
    const second = await client.post(`/api/mail/mailboxes/${box.id}/messages/delete`, { ids: trash });
    expect(second.body.removed.sort()).toEqual([...trash].sort());
    const sizes = (await MailMessage.findAll({ where: { id: trash } })).length;
    expect(sizes).toBe(0);
    const end = (await mailboxes(client))[0]!;
    expect(end.quota.usedBytes).toBe(start.quota.usedBytes - second.body.freedBytes);
    expect(second.body.freedBytes).toBeGreaterThanOrEqual(stored.size);
    expect(folder(end, "trash").total).toBe(0);
    expect((await client.get(`/api/mail/mailboxes/${box.id}/messages/${message!.id}`)).status).toBe(404);
    expect((await audited("mail.message.delete")).items[0].detail).toMatchObject({ removed: trash.length });
    // Nothing refers to the raw source any more: the blob sweep may take it.
    const { referencedBlobs } = await import("../../server/server.js");
    expect((await referencedBlobs([stored.sha256])).has(stored.sha256)).toBe(false);
  });

  it("changes nothing when one of the messages named is not in the mailbox", async () => {
    const [own] = await list(client, box, "inbox");
    const theirs = (await list(staff, mine, "inbox"))[0]!;
    for (const [path, body] of [
      ["flags", { ids: [own!.id, theirs.id], flagged: false }],
      ["move", { ids: [own!.id, theirs.id], folderId: folder(box, "junk").id }],
      ["delete", { ids: [own!.id, theirs.id] }],
      ["move", { ids: [own!.id], folderId: folder(mine, "junk").id }],
    ] as const) {
      expect((await client.post(`/api/mail/mailboxes/${box.id}/messages/${path}`, body)).status, path).toBe(404);
    }
    expect((await list(client, box, "inbox")).map((m) => m.id)).toContain(own!.id);
    expect((await list(staff, mine, "inbox")).map((m) => m.id)).toContain(theirs.id);
  });

  it("groups a reply with the message it answers", async () => {
    const question = await deliver(
      box.address,
      await compose({
        from: "fgb@nanning.gov.cn",
        to: box.address,
        subject: "请示",
        text: "请示",
        messageId: "<q-1@nanning.gov.cn>",
      }),
    );
    const answer = await deliver(
      box.address,
      await compose({
        from: "fgb@nanning.gov.cn",
        to: box.address,
        subject: "Re: 请示",
        text: "同意",
        inReplyTo: "<q-1@nanning.gov.cn>",
        references: ["<q-1@nanning.gov.cn>"],
      }),
    );
    const read = await client.get(`/api/mail/mailboxes/${box.id}/messages/${answer}`);
    expect(read.body.threadId).toBe(question);
    expect(read.body.headers.inReplyTo).toBe("<q-1@nanning.gov.cn>");
    expect(read.body.thread.map((m: MessageSummaryBody) => m.id)).toEqual([question]);
    const first = await client.get(`/api/mail/mailboxes/${box.id}/messages/${question}`);
    expect(first.body.threadId).toBe(question);
    expect(first.body.thread.map((m: MessageSummaryBody) => m.id)).toEqual([answer]);
  });
});

describe("search", () => {
  const search = async (client: ApiClient, mailbox: MailboxBody, query: string) => {
    const res = await client.get(`/api/mail/mailboxes/${mailbox.id}/search?${query}`);
    expect(res.status, query).toBe(200);
    return res.body.items.map((m: MessageSummaryBody) => m.subject) as string[];
  };

  beforeAll(async () => {
    await server.drainSearch();
  });

  it("finds two-character Chinese words in the body, Simplified and Traditional alike", async () => {
    expect(await search(staff, mine, `body=${encodeURIComponent("教师")}`)).toEqual([
      "2006年教育经费预算（附件）",
      "关于报送2006年工作总结的通知",
    ]);
    // The Big5 message says 稅務 in Traditional characters.
    expect(await search(staff, mine, `q=${encodeURIComponent("税务")}`)).toEqual(["關於個人所得稅申報的通知"]);
    const hit = (await staff.get(`/api/mail/mailboxes/${mine.id}/search?q=${encodeURIComponent("教师")}`)).body
      .items[0];
    expect(hit.match.snippet.marks.length).toBeGreaterThan(0);
  });

  it("narrows by subject, sender, recipient, date, attachments and folder", async () => {
    expect(await search(staff, mine, `subject=${encodeURIComponent("工作总结")}`)).toEqual([
      "关于报送2006年工作总结的通知",
    ]);
    // 教师 is in the text of both, but in neither subject.
    expect(await search(staff, mine, `subject=${encodeURIComponent("教师")}`)).toEqual([]);
    expect(await search(staff, mine, `from=${encodeURIComponent("电力网")}`)).toEqual(["关于报送2006年工作总结的通知"]);
    expect(
      await search(staff, mine, `from=${encodeURIComponent("教育局")}&body=${encodeURIComponent("教师")}`),
    ).toEqual(["2006年教育经费预算（附件）"]);
    expect(await search(staff, mine, "to=office.registrar")).toEqual(["2006年教育经费预算（附件）"]);
    expect(await search(staff, mine, `to=office.registrar&q=${encodeURIComponent("教师")}`)).toEqual([
      "2006年教育经费预算（附件）",
    ]);
    expect(await search(staff, mine, `hasAttachments=1&q=${encodeURIComponent("教师")}`)).toEqual([
      "2006年教育经费预算（附件）",
    ]);
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    expect((await search(staff, mine, `dateFrom=${today}&q=${encodeURIComponent("教师")}`)).length).toBe(2);
    expect(await search(staff, mine, `dateTo=2006-12-31&q=${encodeURIComponent("教师")}`)).toEqual([]);
    expect(await search(staff, mine, "dateTo=2006-12-31")).toEqual([]);
    expect(
      (await search(staff, mine, `folderId=${folder(mine, "inbox").id}&body=${encodeURIComponent("教师")}`)).length,
    ).toBe(2);
    expect(await search(staff, mine, `folderId=${folder(mine, "sent").id}&body=${encodeURIComponent("教师")}`)).toEqual(
      [],
    );
    expect((await staff.get(`/api/mail/mailboxes/${mine.id}/search?dateFrom=2006-02-30`)).status).toBe(400);
    expect(
      (await staff.get(`/api/mail/mailboxes/${mine.id}/search?dateFrom=2007-01-01&dateTo=2006-01-01`)).status,
    ).toBe(400);
  });

  it("follows moves and deletions", async () => {
    const [gb] = (await staff.get(`/api/mail/mailboxes/${mine.id}/search?subject=${encodeURIComponent("工作总结")}`))
      .body.items as MessageSummaryBody[];
    const junk = folder(mine, "junk").id;
    await staff.post(`/api/mail/mailboxes/${mine.id}/messages/move`, { ids: [gb!.id], folderId: junk });
    await server.drainSearch();
    expect(await search(staff, mine, `folderId=${junk}&q=${encodeURIComponent("教师")}`)).toEqual([
      "关于报送2006年工作总结的通知",
    ]);
    await staff.post(`/api/mail/mailboxes/${mine.id}/messages/delete`, { ids: [gb!.id] });
    await staff.post(`/api/mail/mailboxes/${mine.id}/messages/delete`, { ids: [gb!.id] });
    await server.drainSearch();
    const found = await server.search.search({
      collection: "mail",
      text: "工作总结",
      filters: { mailboxId: [String(mine.id)] },
    });
    expect(found.total).toBe(0);
    expect(await search(staff, mine, `q=${encodeURIComponent("教师")}`)).toEqual(["2006年教育经费预算（附件）"]);
  });
});

describe("who opens which mailbox", () => {
  let unit: Mailbox;
  let theirId = 0;

  beforeAll(async () => {
    const found = await lookUpAddress("jyj@nanning.gov.cn", 50 * 1024 * 1024);
    if (found.kind !== "mailbox") throw new Error("no unit mailbox");
    unit = found.mailbox;
    const registrarId = (await registrar.get("/api/auth/me")).body.user.id;
    await MailboxMember.create({ mailboxId: unit.id, userId: registrarId, canSendAs: false });
    theirId = await deliver(
      unit.address,
      await compose({
        from: "office.leader@nanning.gov.cn",
        to: unit.address,
        subject: "教育局内部通知",
        text: TEACHERS,
        attachments: [{ filename: "说明.pdf", content: PDF }],
      }),
    );
  });

  /** Every reading route, on a mailbox and a message in it. */
  const routes = (mailboxId: number, folderId: number, messageId: number): [string, string, unknown?][] => {
    const base = `/api/mail/mailboxes/${mailboxId}`;
    const message = `${base}/messages/${messageId}`;
    return [
      ["GET", `${base}/folders/${folderId}/messages`],
      ["GET", `${base}/search?q=${encodeURIComponent("教师")}`],
      ["GET", `${base}/search?from=office`],
      ["POST", `${base}/folders`, { name: "偷看" }],
      ["PATCH", `${base}/folders/${folderId}`, { name: "偷看" }],
      ["DELETE", `${base}/folders/${folderId}`],
      ["POST", `${base}/messages/flags`, { ids: [messageId], seen: true }],
      ["POST", `${base}/messages/move`, { ids: [messageId], folderId }],
      ["POST", `${base}/messages/delete`, { ids: [messageId] }],
      ["GET", message],
      ["GET", `${message}/source`],
      ["GET", `${message}/raw`],
      ["GET", `${message}/attachments/0`],
      ["GET", `${message}/inline/0`],
    ];
  };

  it("a member of a unit mailbox lists and reads it; its members are the only ones", async () => {
    const held = await mailboxes(registrar);
    expect(held.map((m) => [m.address, m.kind, m.access.as])).toEqual([
      ["office.registrar@nanning.gov.cn", "personal", "owner"],
      ["jyj@nanning.gov.cn", "unit", "member"],
    ]);
    expect(held[1]).toMatchObject({ name: "南宁市教育局", access: { canSendAs: false } });
    const read = await registrar.get(`/api/mail/mailboxes/${unit.id}/messages/${theirId}`);
    expect(read.status).toBe(200);
    expect(read.body.subject).toBe("教育局内部通知");
    expect((await mailboxes(staff)).map((m) => m.address)).toEqual([mine.address]);
  });

  it("answers 404 to anyone else, a mail administrator too, on every route; the 三员 get 403", async () => {
    const { client: mailAdmin, id } = await server.newUser({ username: "mail.admin1" });
    await server.grantRole(id, "mailadmin");
    const unitInbox = (
      await MailboxMember.sequelize!.query<{ id: number }>(
        "SELECT id FROM mail_folders WHERE mailboxId = ? AND role = 'inbox'",
        { replacements: [unit.id], type: "SELECT" as never },
      )
    )[0]!.id;
    const [staffMessage] = await list(staff, mine, "inbox");
    const cases: [ApiClient, string][] = [
      [staff, "the unit mailbox, not a member"],
      [mailAdmin, "a mail administrator"],
      [leader, "another person"],
    ];
    for (const [client, who] of cases) {
      for (const [method, path, body] of [
        ...routes(unit.id, unitInbox, theirId),
        ...(client === staff ? [] : routes(mine.id, folder(mine, "inbox").id, staffMessage!.id)),
      ]) {
        const res = await client.request(method, path, { body: method === "GET" ? undefined : (body ?? {}) });
        expect(res.status, `${who}: ${method} ${path}`).toBe(404);
      }
    }
    for (const [method, path, body] of routes(mine.id, folder(mine, "inbox").id, staffMessage!.id)) {
      const res = await auditor.request(method, path, { body: method === "GET" ? undefined : (body ?? {}) });
      expect(res.status, `auditor: ${method} ${path}`).toBe(403);
    }
    // Nothing was changed by any of it.
    expect((await registrar.get(`/api/mail/mailboxes/${unit.id}/messages/${theirId}`)).body.folder.role).toBe("inbox");
    const own = await staff.get(`/api/mail/mailboxes/${mine.id}/messages/${staffMessage!.id}`);
    expect(own.body.folder.role).toBe("inbox");
    expect((await mailboxes(staff))[0]!.folders.map((f) => f.name)).not.toContain("偷看");
  });
});

/** The session and CSRF cookies of a client, for a fetch of a binary answer. */
function cookieOf(client: ApiClient): string {
  return ["yo_sid", "yo_csrf"]
    .map((name) => [name, client.cookie(name)])
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");
}

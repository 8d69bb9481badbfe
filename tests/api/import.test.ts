import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../server/core/auth.js";
import { AuditEvent } from "../../server/audit/models/auditEvent.js";
import { User } from "../../server/org/models/index.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";

const HEADER = "username,displayName,unitCode,department,position,email,phone";

let server: TestServer;
let admin: ApiClient;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.signIn("sysadmin");
});
afterAll(async () => {
  await server?.stop();
});

/** Bytes as Excel on Chinese Windows saves "CSV": GBK, no BOM. Chinese given as GBK hex. */
function gbk(...parts: (string | { hex: string })[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "ascii") : Buffer.from(p.hex, "hex"))));
}
const ZHANG_SAN = { hex: "d5c5c8fd" }; // 张三
const LI_SI = { hex: "c0eecbc4" }; // 李四
const MISHUKE = { hex: "c3d8cae9bfc6" }; // 秘书科
const KEYUAN = { hex: "bfc6d4b1" }; // 科员

const upload = (bytes: Buffer, commit: boolean) =>
  admin.post("/api/org/users/import", { file: bytes.toString("base64"), commit });

describe("CSV import: encodings", () => {
  it("reads a GBK file (Excel's CSV on Chinese Windows) and stores the right Chinese names", async () => {
    const bytes = gbk(
      `${HEADER}\r\n`,
      "gbk.zhang,",
      ZHANG_SAN,
      ",nanning.office,",
      MISHUKE,
      ",",
      KEYUAN,
      ",,\r\n",
      "gbk.li,",
      LI_SI,
      ",nanning.office,,,,\r\n",
    );
    // The fixture itself is what it claims to be.
    expect(new TextDecoder("gb18030").decode(bytes)).toContain("张三,nanning.office,秘书科,科员");

    const preview = await upload(bytes, false);
    expect(preview.status).toBe(200);
    expect(preview.body.encoding).toBe("gb18030");
    expect(preview.body.errors).toEqual([]);
    expect(preview.body.sample.map((s: { displayName: string }) => s.displayName)).toEqual(["张三", "李四"]);

    const res = await upload(bytes, true);
    expect(res.status).toBe(200);
    const zhang = await User.findOne({ where: { username: "gbk.zhang" }, include: ["department", "position"] });
    expect(zhang?.displayName).toBe("张三");
    expect(zhang?.department?.name).toBe("秘书科");
    expect(zhang?.position?.name).toBe("科员");
    expect((await User.findOne({ where: { username: "gbk.li" } }))?.displayName).toBe("李四");
  });

  it("reads UTF-8 with and without a BOM, and UTF-16 with a BOM", async () => {
    const text = `${HEADER}\nutf.wang,王五,nanning.office,,,,\n`;
    for (const bytes of [
      Buffer.from(text, "utf8"),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
    ]) {
      const res = await upload(bytes, false);
      expect(res.status).toBe(200);
      expect(res.body.sample[0].displayName).toBe("王五");
    }
  });

  it("refuses bytes that are neither UTF-8 nor GBK, and text a browser already garbled", async () => {
    const bad = await upload(gbk(`${HEADER}\r\nbad.bytes,`, { hex: "ffff41ff" }, ",nanning.office,,,,\r\n"), false);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("csv_bad_encoding");
    // GBK bytes decoded as UTF-8 by a browser: every Chinese character became U+FFFD.
    const garbled = await admin.post("/api/org/users/import", {
      csv: `${HEADER}\nbad.text,\uFFFD\uFFFD,nanning.office,,,,`,
      commit: false,
    });
    expect(garbled.status).toBe(400);
    expect(garbled.body.error.code).toBe("csv_bad_encoding");
    expect(await User.count({ where: { username: ["bad.bytes", "bad.text"] } })).toBe(0);
  });
});

describe("CSV import: row errors", () => {
  it("sends a code and parameters for every row error, for the client to translate", async () => {
    await User.update({ username: "taken.one" }, { where: { username: "office.staff1" } });
    const csv = [
      HEADER,
      "ok.row,好人,nanning.office,,,,",
      "Bad Name,王五,nanning.office,,,,",
      "no.unit,王五,nanning.nowhere,,,,",
      "no.dept,赵六,nanning.office,不存在科,,,",
      "no.pos,赵六,nanning.office,,不存在职务,,",
      "ok.row,李明二,nanning.office,,,,",
      "bad.mail,孙七,nanning.office,,,not-an-email,",
      "no.name,,nanning.office,,,,",
      "taken.one,某人,nanning.office,,,,",
    ].join("\n");
    const res = await admin.post("/api/org/users/import", { csv, commit: false });
    expect(res.status).toBe(200);
    const byRow = new Map<number, { code: string; column: string; params?: Record<string, unknown> }>(
      res.body.errors.map((e: { row: number }) => [e.row, e]),
    );
    expect(byRow.get(3)).toMatchObject({ column: "username", code: "invalid_username" });
    expect(byRow.get(4)).toMatchObject({
      column: "unitCode",
      code: "unknown_unit",
      params: { value: "nanning.nowhere" },
    });
    expect(byRow.get(5)).toMatchObject({
      column: "department",
      code: "unknown_department",
      params: { value: "不存在科", unit: "南宁市人民政府办公室" },
    });
    expect(byRow.get(6)).toMatchObject({
      column: "position",
      code: "unknown_position",
      params: { value: "不存在职务" },
    });
    expect(byRow.get(7)).toMatchObject({ code: "username_repeated", params: { value: "ok.row", firstRow: 2 } });
    expect(byRow.get(8)).toMatchObject({ column: "email", code: "invalid_email" });
    expect(byRow.get(9)).toMatchObject({ column: "displayName", code: "required" });
    expect(byRow.get(10)).toMatchObject({
      column: "username",
      code: "username_exists",
      params: { value: "taken.one" },
    });
    expect(byRow.has(2)).toBe(false);
  });

  it("offers a template with a header and an example row that passes a preview", async () => {
    const res = await admin.get("/api/org/users/import/template");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/attachment/);
    // Raw bytes: Response.text() would drop the BOM Excel needs.
    const raw = await fetch(`${server.url}/api/org/users/import/template`, {
      headers: { cookie: `${SESSION_COOKIE}=${admin.cookie(SESSION_COOKIE) ?? ""}` },
    });
    const bytes = Buffer.from(await raw.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = res.text
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r\n/);
    expect(lines[0]).toBe(HEADER);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^zhang\.san,张三,/);
    const preview = await upload(bytes, false);
    expect(preview.status).toBe(200);
    expect(preview.body.encoding).toBe("utf-8");
    expect(preview.body.errors).toEqual([]);
    expect(preview.body.valid).toBe(1);
    expect((await server.client().get("/api/org/users/import/template")).status).toBe(401);
  });
});

describe("CSV import: progress", () => {
  it("streams progress events while hashing, then the result, and audits the import", async () => {
    const rows = Array.from({ length: 6 }, (_, i) => `prog.${i},进度${i},nanning.office,,,,`);
    const res = await admin.request("POST", "/api/org/users/import", {
      body: { csv: [HEADER, ...rows].join("\n"), commit: true },
      headers: { accept: "application/x-ndjson" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/x-ndjson/);
    const events = res.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; phase?: string; done?: number; total?: number; result?: any });
    const hashing = events.filter((e) => e.type === "progress" && e.phase === "hash");
    expect(hashing.map((e) => e.done)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(hashing.every((e) => e.total === 6)).toBe(true);
    expect(events.some((e) => e.type === "progress" && e.phase === "save")).toBe(true);
    const last = events[events.length - 1];
    expect(last?.type).toBe("result");
    expect(last?.result.created).toHaveLength(6);
    expect(await User.count({ where: { username: rows.map((_, i) => `prog.${i}`) } })).toBe(6);
    const audit = await AuditEvent.findAll({ where: { action: "user.import" }, order: [["seq", "DESC"]], limit: 1 });
    expect(audit[0]?.outcome).toBe("success");
    expect(JSON.parse(audit[0]?.detail ?? "{}").count).toBe(6);
  });

  it("refuses a file with row errors before any stream opens, with coded rows", async () => {
    const csv = [HEADER, "prog.bad,坏,nanning.nowhere,,,,"].join("\n");
    const res = await admin.request("POST", "/api/org/users/import", {
      body: { csv, commit: true },
      headers: { accept: "application/x-ndjson" },
    });
    // Every row is checked before the stream opens: a file with errors is an ordinary 422.
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("import_has_errors");
    expect(res.body.error.details.errors[0].code).toBe("unknown_unit");
  });
});

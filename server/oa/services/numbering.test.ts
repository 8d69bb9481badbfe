import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { parseEnv } from "../../env.js";
import { createLogger } from "../../core/logger.js";
import { type AppError } from "../../core/errors.js";
import { prepareDatabase } from "../../server.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { User } from "../../org/models/index.js";
import { createUnit } from "../../org/services/units.js";
import { newUserRow } from "../../org/services/users.js";
import { NO_PASSWORD } from "../../org/services/passwords.js";
import { workflowTransaction } from "../engine/engine.js";
import { NumberCode, NumberLog, OaDocument } from "../models/document.js";
import { assignNumber, formatDocNumber, voidNumber } from "./numbering.js";

let db: TestDatabase;
let sequelize: Sequelize;
let unitId: number;
let userId: number;
let codeId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(parseEnv({ DATABASE_URL: db.url }), createLogger("silent"));
  const unit = await sequelize.transaction((t) =>
    createUnit({ name: "南宁市人民政府", code: "nn", shortName: "南府", kind: "government", parent: null }, t),
  );
  unitId = unit.id;
  const user = await User.create(
    newUserRow({ username: "registrar", displayName: "文书", unitId, passwordHash: NO_PASSWORD }),
  );
  userId = user.id;
  codeId = (await NumberCode.create({ unitId, code: "南府发", name: "南宁市人民政府发文" })).id;
});

afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

function newDocument(title: string) {
  return OaDocument.create({
    direction: "outgoing",
    status: "running",
    unitId,
    departmentId: null,
    drafterId: userId,
    docType: "通知",
    title,
    urgency: null,
    copyNo: null,
    issuerMark: null,
    numberCodeId: null,
    numberYear: null,
    numberSeq: null,
    docNumber: null,
    signers: "[]",
    mainRecipients: "[]",
    ccRecipients: "[]",
    signatureOrg: null,
    writtenOn: null,
    note: null,
    printedBy: null,
    printedOn: null,
    bodyHtml: "",
    instanceId: null,
    sourceDocumentId: null,
    fromUnitId: null,
    receivedAt: null,
    pdfSha256: null,
    archivedAt: null,
  });
}

const number = (document: OaDocument, year: number) =>
  workflowTransaction(sequelize, (t) => assignNumber({ document, codeId, year, actorId: userId }, t));

describe("文号", () => {
  it("is written as 机关代字〔year〕number号 without leading zeros", () => {
    expect(formatDocNumber("南府发", 2006, 12)).toBe("南府发〔2006〕12号");
    expect(formatDocNumber("南府发", 2006, 1)).toBe("南府发〔2006〕1号");
  });

  it("gives 200 concurrent numberings under one code 200 distinct numbers without gaps", async () => {
    const documents = [];
    for (let i = 0; i < 200; i++) documents.push(await newDocument(`通知 ${i}`));
    const results = await Promise.allSettled(documents.map((d) => number(d, 2006)));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const rows = await OaDocument.findAll({ where: { numberYear: 2006 } });
    const seqs = rows.map((r) => r.numberSeq!).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.docNumber)).size).toBe(200);
    expect(await NumberLog.count({ where: { codeId, year: 2006, status: "issued" } })).toBe(200);
  });

  it("numbers one document once when it is numbered from several places at once", async () => {
    const document = await newDocument("同一份文件");
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, async () => number((await OaDocument.findByPk(document.id))!, 2007)),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === "rejected") expect((o.reason as AppError).code).toBe("already_numbered");
    }
    // The refused attempts gave their numbers back: the next document gets 2.
    const next = await newDocument("下一份");
    await number(next, 2007);
    expect(next.docNumber).toBe("南府发〔2007〕2号");
  });

  it("keeps a voided number in the log and never gives it again", async () => {
    const document = await newDocument("作废重编");
    await number(document, 2008);
    expect(document.docNumber).toBe("南府发〔2008〕1号");
    await workflowTransaction(sequelize, (t) => voidNumber({ document, reason: "标题有误", actorId: userId }, t));
    expect(document.docNumber).toBeNull();
    await number(document, 2008);
    expect(document.docNumber).toBe("南府发〔2008〕2号");
    const log = await NumberLog.findAll({ where: { codeId, year: 2008 }, order: [["seq", "ASC"]] });
    expect(log.map((l) => [l.seq, l.status, l.reason])).toEqual([
      [1, "voided", "标题有误"],
      [2, "issued", null],
    ]);
  });

  it("refuses a code of another unit", async () => {
    const other = await sequelize.transaction((t) =>
      createUnit({ name: "南宁市教育局", code: "jyj", shortName: "南教", kind: "bureau", parent: null }, t),
    );
    const foreign = await NumberCode.create({ unitId: other.id, code: "南教发", name: "教育局发文" });
    const document = await newDocument("越权编号");
    const refused = workflowTransaction(sequelize, (t) =>
      assignNumber({ document, codeId: foreign.id, year: 2009, actorId: userId }, t),
    );
    await expect(refused).rejects.toMatchObject({ code: "code_of_other_unit" });
  });
});

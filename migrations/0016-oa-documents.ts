import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * 公文 on the engine (server/oa/services).
 *
 * - `departments.headUserId`: the department's head, whom drafts go to for 核稿.
 * - `oa_documents`: one outgoing (发文) or incoming (收文) document with the
 *   elements of GB/T 9704; `bodyHtml` is the current 正文, `oa_document_revisions`
 *   every saved one. An incoming document made by distribution points at its
 *   outgoing original (`sourceDocumentId`).
 * - `oa_attachments`: files in the blob store (attachments and the rendered PDF).
 * - `oa_number_codes` (机关代字 per unit), `oa_number_counters` (the last number
 *   given per code and year, bumped in the numbering transaction, so numbers are
 *   gap-free and never given twice) and `oa_number_log` (every number given or
 *   voided, and to which document).
 * - `oa_distributions`: who an outgoing document was sent to (主送/抄送), the
 *   incoming document made there, and when its registrar signed for it.
 */
export async function up({ context: q }: Migration): Promise<void> {
  const now = { type: DataTypes.DATE, allowNull: false };
  const long = q.sequelize.getDialect() === "sqlite" ? DataTypes.TEXT : DataTypes.TEXT("medium");
  const ref = (model: string, allowNull: boolean) => ({
    type: DataTypes.INTEGER,
    allowNull,
    references: { model, key: "id" },
  });

  await q.addColumn("departments", "headUserId", ref("users", true));

  await q.createTable("oa_number_codes", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    unitId: ref("units", false),
    code: { type: DataTypes.STRING(32), allowNull: false, unique: true },
    name: { type: DataTypes.STRING(100), allowNull: false },
    enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    createdAt: now,
    updatedAt: now,
  });
  await q.addIndex("oa_number_codes", ["unitId"]);

  await q.createTable("oa_number_counters", {
    codeId: { type: DataTypes.INTEGER, primaryKey: true, references: { model: "oa_number_codes", key: "id" } },
    year: { type: DataTypes.INTEGER, primaryKey: true },
    last: { type: DataTypes.INTEGER, allowNull: false },
  });

  await q.createTable("oa_documents", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    direction: { type: DataTypes.STRING(8), allowNull: false },
    status: { type: DataTypes.STRING(16), allowNull: false },
    unitId: ref("units", false),
    departmentId: ref("departments", true),
    drafterId: ref("users", false),
    docType: { type: DataTypes.STRING(8), allowNull: false },
    title: { type: DataTypes.STRING(200), allowNull: false },
    urgency: { type: DataTypes.STRING(4), allowNull: true },
    copyNo: { type: DataTypes.STRING(6), allowNull: true },
    issuerMark: { type: DataTypes.STRING(100), allowNull: true },
    numberCodeId: ref("oa_number_codes", true),
    numberYear: { type: DataTypes.INTEGER, allowNull: true },
    numberSeq: { type: DataTypes.INTEGER, allowNull: true },
    docNumber: { type: DataTypes.STRING(64), allowNull: true },
    signers: { type: DataTypes.TEXT, allowNull: false },
    mainRecipients: { type: DataTypes.TEXT, allowNull: false },
    ccRecipients: { type: DataTypes.TEXT, allowNull: false },
    signatureOrg: { type: DataTypes.STRING(100), allowNull: true },
    writtenOn: { type: DataTypes.DATEONLY, allowNull: true },
    note: { type: DataTypes.STRING(500), allowNull: true },
    printedBy: { type: DataTypes.STRING(100), allowNull: true },
    printedOn: { type: DataTypes.DATEONLY, allowNull: true },
    needsCountersign: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    bodyHtml: { type: long, allowNull: false },
    bodyRevision: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    instanceId: ref("oa_instances", true),
    sourceDocumentId: ref("oa_documents", true),
    fromUnitId: ref("units", true),
    receivedAt: { type: DataTypes.DATE, allowNull: true },
    pdfSha256: { type: DataTypes.STRING(64), allowNull: true },
    archivedAt: { type: DataTypes.DATE, allowNull: true },
    createdAt: now,
    updatedAt: now,
  });
  await q.addIndex("oa_documents", ["docNumber"], { unique: true, name: "oa_documents_number" });
  await q.addIndex("oa_documents", ["unitId", "direction", "status"]);
  await q.addIndex("oa_documents", ["drafterId", "status"]);
  await q.addIndex("oa_documents", ["sourceDocumentId"]);

  await q.createTable("oa_number_log", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    codeId: ref("oa_number_codes", false),
    year: { type: DataTypes.INTEGER, allowNull: false },
    seq: { type: DataTypes.INTEGER, allowNull: false },
    docNumber: { type: DataTypes.STRING(64), allowNull: false },
    documentId: ref("oa_documents", true),
    status: { type: DataTypes.STRING(8), allowNull: false },
    reason: { type: DataTypes.STRING(200), allowNull: true },
    actorId: ref("users", true),
    createdAt: now,
    updatedAt: now,
  });
  await q.addIndex("oa_number_log", ["codeId", "year", "seq"], { unique: true, name: "oa_number_log_seq" });

  await q.createTable("oa_document_revisions", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    documentId: { ...ref("oa_documents", false), onDelete: "CASCADE" },
    revision: { type: DataTypes.INTEGER, allowNull: false },
    bodyHtml: { type: long, allowNull: false },
    authorId: ref("users", true),
    createdAt: now,
  });
  await q.addIndex("oa_document_revisions", ["documentId", "revision"], { unique: true });

  await q.createTable("oa_attachments", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    documentId: { ...ref("oa_documents", false), onDelete: "CASCADE" },
    kind: { type: DataTypes.STRING(12), allowNull: false },
    name: { type: DataTypes.STRING(255), allowNull: false },
    sha256: { type: DataTypes.STRING(64), allowNull: false },
    size: { type: DataTypes.BIGINT, allowNull: false },
    mime: { type: DataTypes.STRING(100), allowNull: false },
    uploadedById: ref("users", true),
    createdAt: now,
  });
  await q.addIndex("oa_attachments", ["documentId"]);
  await q.addIndex("oa_attachments", ["sha256"]);

  await q.createTable("oa_distributions", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    documentId: { ...ref("oa_documents", false), onDelete: "CASCADE" },
    unitId: ref("units", false),
    kind: { type: DataTypes.STRING(4), allowNull: false },
    incomingDocumentId: ref("oa_documents", true),
    signedAt: { type: DataTypes.DATE, allowNull: true },
    signedById: ref("users", true),
    createdAt: now,
  });
  await q.addIndex("oa_distributions", ["documentId", "unitId"], { unique: true });
  await q.addIndex("oa_distributions", ["incomingDocumentId"]);
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("oa_distributions");
  await q.dropTable("oa_attachments");
  await q.dropTable("oa_document_revisions");
  await q.dropTable("oa_number_log");
  await q.dropTable("oa_documents");
  await q.dropTable("oa_number_counters");
  await q.dropTable("oa_number_codes");
  await q.removeColumn("departments", "headUserId");
}

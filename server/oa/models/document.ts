import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from "sequelize";

/** The 15 types of 党政机关公文处理工作条例 (2012), article 8. */
export const DOC_TYPES = [
  "决议",
  "决定",
  "命令",
  "公报",
  "公告",
  "通告",
  "意见",
  "通知",
  "通报",
  "报告",
  "请示",
  "批复",
  "议案",
  "函",
  "纪要",
] as const;
export type DocType = (typeof DOC_TYPES)[number];
export const URGENCIES = ["特急", "加急"] as const;
export type Urgency = (typeof URGENCIES)[number];
/** Markings of classified content: the system handles non-classified documents only. */
export const CLASSIFIED_MARKS = ["秘密", "机密", "绝密"] as const;

export const DIRECTIONS = ["outgoing", "incoming"] as const;
export type Direction = (typeof DIRECTIONS)[number];
/** draft: not yet submitted; running: in its process; finished, archived; terminated by an administrator; returned: an incoming document sent back to its sender at 初审. */
export const DOCUMENT_STATUSES = ["draft", "running", "finished", "archived", "terminated", "returned"] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export interface RecipientUnit {
  /** A unit of the organisation, or null for a recipient named only in words. */
  unitId: number | null;
  name: string;
}

/** The recipients held in a document's JSON column. */
export const recipientsOf = (value: string): RecipientUnit[] => JSON.parse(value) as RecipientUnit[];

/** An outgoing (发文) or incoming (收文) document with the elements of GB/T 9704 (migration 0016). */
export class OaDocument extends Model<InferAttributes<OaDocument>, InferCreationAttributes<OaDocument>> {
  declare id: CreationOptional<number>;
  declare direction: Direction;
  declare status: DocumentStatus;
  /** The unit that owns it: the issuing unit of a 发文, the receiving unit of a 收文. */
  declare unitId: number;
  declare departmentId: number | null;
  declare drafterId: number;
  declare docType: DocType;
  declare title: string;
  declare urgency: Urgency | null;
  declare copyNo: string | null;
  declare issuerMark: string | null;
  declare numberCodeId: number | null;
  declare numberYear: number | null;
  declare numberSeq: number | null;
  declare docNumber: string | null;
  /** JSON: names of the 签发人. */
  declare signers: string;
  /** JSON: RecipientUnit[] (主送机关). */
  declare mainRecipients: string;
  /** JSON: RecipientUnit[] (抄送机关). */
  declare ccRecipients: string;
  declare signatureOrg: string | null;
  declare writtenOn: string | null;
  declare note: string | null;
  declare printedBy: string | null;
  declare printedOn: string | null;
  declare needsCountersign: CreationOptional<boolean>;
  declare bodyHtml: string;
  declare bodyRevision: CreationOptional<number>;
  declare instanceId: number | null;
  declare sourceDocumentId: number | null;
  declare fromUnitId: number | null;
  declare receivedAt: Date | null;
  declare pdfSha256: string | null;
  declare archivedAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    OaDocument.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        direction: { type: DataTypes.STRING(8), allowNull: false },
        status: { type: DataTypes.STRING(16), allowNull: false },
        unitId: { type: DataTypes.INTEGER, allowNull: false },
        departmentId: { type: DataTypes.INTEGER, allowNull: true },
        drafterId: { type: DataTypes.INTEGER, allowNull: false },
        docType: { type: DataTypes.STRING(8), allowNull: false },
        title: { type: DataTypes.STRING(200), allowNull: false },
        urgency: { type: DataTypes.STRING(4), allowNull: true },
        copyNo: { type: DataTypes.STRING(6), allowNull: true },
        issuerMark: { type: DataTypes.STRING(100), allowNull: true },
        numberCodeId: { type: DataTypes.INTEGER, allowNull: true },
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
        bodyHtml: { type: DataTypes.TEXT, allowNull: false },
        bodyRevision: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        instanceId: { type: DataTypes.INTEGER, allowNull: true },
        sourceDocumentId: { type: DataTypes.INTEGER, allowNull: true },
        fromUnitId: { type: DataTypes.INTEGER, allowNull: true },
        receivedAt: { type: DataTypes.DATE, allowNull: true },
        pdfSha256: { type: DataTypes.STRING(64), allowNull: true },
        archivedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "oa_documents" },
    );
  }
}

/** Each saved 正文, so any two can be compared. */
export class DocumentRevision extends Model<
  InferAttributes<DocumentRevision>,
  InferCreationAttributes<DocumentRevision>
> {
  declare id: CreationOptional<number>;
  declare documentId: number;
  declare revision: number;
  declare bodyHtml: string;
  declare authorId: number | null;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    DocumentRevision.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        documentId: { type: DataTypes.INTEGER, allowNull: false },
        revision: { type: DataTypes.INTEGER, allowNull: false },
        bodyHtml: { type: DataTypes.TEXT, allowNull: false },
        authorId: { type: DataTypes.INTEGER, allowNull: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "oa_document_revisions", updatedAt: false },
    );
  }
}

export const ATTACHMENT_KINDS = ["attachment", "pdf"] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

/** A file of a document in the blob store: an attachment, or the rendered PDF. */
export class Attachment extends Model<InferAttributes<Attachment>, InferCreationAttributes<Attachment>> {
  declare id: CreationOptional<number>;
  declare documentId: number;
  declare kind: AttachmentKind;
  declare name: string;
  declare sha256: string;
  declare size: number;
  declare mime: string;
  declare uploadedById: number | null;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Attachment.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        documentId: { type: DataTypes.INTEGER, allowNull: false },
        kind: { type: DataTypes.STRING(12), allowNull: false },
        name: { type: DataTypes.STRING(255), allowNull: false },
        sha256: { type: DataTypes.STRING(64), allowNull: false },
        size: {
          type: DataTypes.BIGINT,
          allowNull: false,
          get(this: Attachment) {
            return Number(this.getDataValue("size"));
          },
        },
        mime: { type: DataTypes.STRING(100), allowNull: false },
        uploadedById: { type: DataTypes.INTEGER, allowNull: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "oa_attachments", updatedAt: false },
    );
  }
}

/** A 机关代字 (南府发, 南教发 …) of a unit. */
export class NumberCode extends Model<InferAttributes<NumberCode>, InferCreationAttributes<NumberCode>> {
  declare id: CreationOptional<number>;
  declare unitId: number;
  declare code: string;
  declare name: string;
  declare enabled: CreationOptional<boolean>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    NumberCode.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        unitId: { type: DataTypes.INTEGER, allowNull: false },
        code: { type: DataTypes.STRING(32), allowNull: false },
        name: { type: DataTypes.STRING(100), allowNull: false },
        enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "oa_number_codes" },
    );
  }
}

/** The last number given under a code in a year. */
export class NumberCounter extends Model<InferAttributes<NumberCounter>, InferCreationAttributes<NumberCounter>> {
  declare codeId: number;
  declare year: number;
  declare last: number;

  static initModel(sequelize: Sequelize): void {
    NumberCounter.init(
      {
        codeId: { type: DataTypes.INTEGER, primaryKey: true },
        year: { type: DataTypes.INTEGER, primaryKey: true },
        last: { type: DataTypes.INTEGER, allowNull: false },
      },
      { sequelize, tableName: "oa_number_counters", timestamps: false },
    );
  }
}

export const NUMBER_STATUSES = ["issued", "voided"] as const;
export type NumberStatus = (typeof NUMBER_STATUSES)[number];

/** Every 文号 given, and whether it was voided (作废) since. */
export class NumberLog extends Model<InferAttributes<NumberLog>, InferCreationAttributes<NumberLog>> {
  declare id: CreationOptional<number>;
  declare codeId: number;
  declare year: number;
  declare seq: number;
  declare docNumber: string;
  declare documentId: number | null;
  declare status: NumberStatus;
  declare reason: string | null;
  declare actorId: number | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    NumberLog.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        codeId: { type: DataTypes.INTEGER, allowNull: false },
        year: { type: DataTypes.INTEGER, allowNull: false },
        seq: { type: DataTypes.INTEGER, allowNull: false },
        docNumber: { type: DataTypes.STRING(64), allowNull: false },
        documentId: { type: DataTypes.INTEGER, allowNull: true },
        status: { type: DataTypes.STRING(8), allowNull: false },
        reason: { type: DataTypes.STRING(200), allowNull: true },
        actorId: { type: DataTypes.INTEGER, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "oa_number_log" },
    );
  }
}

export const DISTRIBUTION_KINDS = ["main", "cc"] as const;
export type DistributionKind = (typeof DISTRIBUTION_KINDS)[number];

/** One receiving unit of an outgoing document, and its signature for it (签收). */
export class Distribution extends Model<InferAttributes<Distribution>, InferCreationAttributes<Distribution>> {
  declare id: CreationOptional<number>;
  declare documentId: number;
  declare unitId: number;
  declare kind: DistributionKind;
  declare incomingDocumentId: number | null;
  declare signedAt: Date | null;
  declare signedById: number | null;
  declare returnedAt: CreationOptional<Date | null>;
  declare returnReason: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Distribution.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        documentId: { type: DataTypes.INTEGER, allowNull: false },
        unitId: { type: DataTypes.INTEGER, allowNull: false },
        kind: { type: DataTypes.STRING(4), allowNull: false },
        incomingDocumentId: { type: DataTypes.INTEGER, allowNull: true },
        signedAt: { type: DataTypes.DATE, allowNull: true },
        signedById: { type: DataTypes.INTEGER, allowNull: true },
        returnedAt: { type: DataTypes.DATE, allowNull: true },
        returnReason: { type: DataTypes.STRING(500), allowNull: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "oa_distributions", updatedAt: false },
    );
  }
}

export function initDocumentModels(sequelize: Sequelize): void {
  for (const model of [OaDocument, DocumentRevision, Attachment, NumberCode, NumberCounter, NumberLog, Distribution]) {
    model.initModel(sequelize);
  }
}

import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from "sequelize";

export const VALIDITIES = ["有效", "已修订", "已废止"] as const;
export type Validity = (typeof VALIDITIES)[number];
/** 公开: everyone, without signing in (政府信息公开); 内部: signed-in staff only. */
export const OPENNESS = ["公开", "内部"] as const;
export type Openness = (typeof OPENNESS)[number];
/** 保管期限 (DA/T 22-2015). */
export const RETENTIONS = ["永久", "30年", "10年"] as const;
export type Retention = (typeof RETENTIONS)[number];
export const SOURCES = ["import", "oa", "manual"] as const;
export type RecordSource = (typeof SOURCES)[number];
export const LINK_KINDS = ["修订", "废止"] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** JSON arrays of strings kept in a TEXT column (issuing organs, subject words). */
const stringList = (name: "issuers" | "subjects") => ({
  type: DataTypes.TEXT,
  allowNull: false,
  get(this: Model): string[] {
    const raw = this.getDataValue(name) as unknown;
    if (Array.isArray(raw)) return raw as string[];
    try {
      const parsed: unknown = JSON.parse(String(raw ?? "[]"));
      return Array.isArray(parsed) ? parsed.map(String) : [];
    } catch {
      return [];
    }
  },
  set(this: Model, value: readonly string[]) {
    this.setDataValue(name, JSON.stringify(value));
  },
});

/**
 * What a document is, as both a record and a hand-over (intake) keep it. A new
 * object on each call: Sequelize writes the column name into the definition.
 */
const documentColumns = () => ({
  title: { type: DataTypes.STRING(500), allowNull: false },
  docNumber: { type: DataTypes.STRING(64), allowNull: true },
  issuers: stringList("issuers"),
  docType: { type: DataTypes.STRING(32), allowNull: true },
  issuedOn: { type: DataTypes.DATEONLY, allowNull: true },
  effectiveOn: { type: DataTypes.DATEONLY, allowNull: true },
  subjects: stringList("subjects"),
  category: { type: DataTypes.STRING(64), allowNull: true },
  // LONGTEXT on MariaDB (migrations 0008, 0012); the model only needs to know it is text.
  body: { type: DataTypes.TEXT, allowNull: false },
});

export class ArchiveRecord extends Model<InferAttributes<ArchiveRecord>, InferCreationAttributes<ArchiveRecord>> {
  declare id: CreationOptional<number>;
  declare sourceKey: string;
  declare source: RecordSource;
  declare contentHash: string | null;
  declare title: string;
  /** 文号 in its canonical form (〔〕 brackets), e.g. 国发〔1985〕12号. */
  declare docNumber: string | null;
  declare issuers: string[];
  declare docType: string | null;
  /** 成文日期, YYYY-MM-DD. */
  declare issuedOn: string | null;
  declare effectiveOn: string | null;
  declare subjects: string[];
  declare category: string | null;
  declare body: string;
  declare validity: Validity;
  declare openness: Openness;
  declare retention: Retention;
  /** 档号 (全宗号-年度-保管期限-机构-件号), once the record is filed. */
  declare archiveCode: string | null;
  declare fileName: string | null;
  declare fileFormat: string | null;
  declare pages: number | null;
  /** The original file in the blob store (migration 0010): its sha256, bytes and MIME type; null without one. */
  declare fileSha256: CreationOptional<string | null>;
  declare fileSize: CreationOptional<number | null>;
  declare fileType: CreationOptional<string | null>;
  /** The file had no text layer: listed for OCR. */
  declare needsOcr: CreationOptional<boolean>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    ArchiveRecord.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        sourceKey: { type: DataTypes.STRING(255), allowNull: false },
        source: { type: DataTypes.STRING(16), allowNull: false },
        contentHash: { type: DataTypes.STRING(64), allowNull: true },
        ...documentColumns(),
        validity: { type: DataTypes.STRING(8), allowNull: false },
        openness: { type: DataTypes.STRING(8), allowNull: false },
        retention: { type: DataTypes.STRING(8), allowNull: false },
        archiveCode: { type: DataTypes.STRING(64), allowNull: true },
        fileName: { type: DataTypes.STRING(255), allowNull: true },
        fileFormat: { type: DataTypes.STRING(16), allowNull: true },
        pages: { type: DataTypes.INTEGER, allowNull: true },
        fileSha256: { type: DataTypes.STRING(64), allowNull: true },
        // BIGINT: mysql2 returns it as a number while it fits (supportBigNumbers off), as a file's size does.
        fileSize: { type: DataTypes.BIGINT, allowNull: true },
        fileType: { type: DataTypes.STRING(127), allowNull: true },
        needsOcr: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "archive_records" },
    );
  }
}

export class ArchiveRecordLink extends Model<
  InferAttributes<ArchiveRecordLink>,
  InferCreationAttributes<ArchiveRecordLink>
> {
  declare id: CreationOptional<number>;
  /** The newer record, which 修订 (revises) or 废止 (repeals) `toId`. */
  declare fromId: number;
  declare toId: number;
  declare kind: LinkKind;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    ArchiveRecordLink.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        fromId: { type: DataTypes.INTEGER, allowNull: false },
        toId: { type: DataTypes.INTEGER, allowNull: false },
        kind: { type: DataTypes.STRING(8), allowNull: false },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "archive_record_links", updatedAt: false },
    );
  }
}

/** queued: an upload waiting for the job queue; running; done; failed (the run itself stopped on an error). */
export const IMPORT_STATUSES = ["queued", "running", "done", "failed"] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** One file the run could not import, or imported without text (for OCR). */
export interface ImportProblem {
  file: string;
  outcome: "failed" | "created" | "updated" | "unchanged";
  code?: string;
  message?: string;
  needsOcr?: boolean;
}

/** One run of the importer: its progress while it runs, its report when it ends (migration 0009). */
export class ArchiveImport extends Model<InferAttributes<ArchiveImport>, InferCreationAttributes<ArchiveImport>> {
  declare id: CreationOptional<number>;
  declare source: "cli" | "upload";
  /** Who ran it: cli:<operating-system user>, or the archivist's username. */
  declare operator: string;
  declare folder: string;
  declare status: ImportStatus;
  declare dryRun: boolean;
  declare total: CreationOptional<number>;
  declare done: CreationOptional<number>;
  declare created: CreationOptional<number>;
  declare updated: CreationOptional<number>;
  declare unchanged: CreationOptional<number>;
  declare failed: CreationOptional<number>;
  declare needsOcr: CreationOptional<number>;
  declare skipped: CreationOptional<number>;
  declare problems: ImportProblem[];
  declare startedAt: Date;
  declare finishedAt: Date | null;

  static initModel(sequelize: Sequelize): void {
    // A new object for each column: Sequelize writes the column name into the definition it is given.
    const count = () => ({ type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
    ArchiveImport.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        source: { type: DataTypes.STRING(16), allowNull: false },
        operator: { type: DataTypes.STRING(128), allowNull: false },
        folder: { type: DataTypes.STRING(1024), allowNull: false },
        status: { type: DataTypes.STRING(16), allowNull: false },
        dryRun: { type: DataTypes.BOOLEAN, allowNull: false },
        total: count(),
        done: count(),
        created: count(),
        updated: count(),
        unchanged: count(),
        failed: count(),
        needsOcr: count(),
        skipped: count(),
        problems: {
          type: DataTypes.TEXT,
          allowNull: false,
          get(this: ArchiveImport): ImportProblem[] {
            try {
              const parsed: unknown = JSON.parse(String(this.getDataValue("problems") ?? "[]"));
              return Array.isArray(parsed) ? (parsed as ImportProblem[]) : [];
            } catch {
              return [];
            }
          },
          set(this: ArchiveImport, value: ImportProblem[]) {
            this.setDataValue("problems", JSON.stringify(value) as unknown as ImportProblem[]);
          },
        },
        startedAt: { type: DataTypes.DATE, allowNull: false },
        finishedAt: { type: DataTypes.DATE, allowNull: true },
      },
      { sequelize, tableName: "archive_imports", timestamps: false },
    );
  }
}

/** pending: waiting for the intake job; archived: a record was made (recordId, archiveCode); failed: see error. */
export const INTAKE_STATES = ["pending", "archived", "failed"] as const;
export type IntakeState = (typeof INTAKE_STATES)[number];

/** A document handed to the archive by another module (the OA's 归档 step), and its receipt (migration 0012). */
export class ArchiveIntake extends Model<InferAttributes<ArchiveIntake>, InferCreationAttributes<ArchiveIntake>> {
  declare id: CreationOptional<number>;
  /** The sender's key for the document ("oa:document:<id>"): handing it over twice updates the same record. */
  declare sourceKey: string;
  declare title: string;
  declare docNumber: string | null;
  declare issuers: string[];
  declare docType: string | null;
  declare issuedOn: string | null;
  declare effectiveOn: string | null;
  declare subjects: string[];
  declare category: string | null;
  declare body: string;
  declare fileName: string | null;
  declare fileFormat: string | null;
  /** The original, already in the blob store (the sender stored it). */
  declare fileSha256: string | null;
  declare fileSize: number | null;
  declare openness: Openness;
  declare retention: Retention;
  /** 全宗号 of the unit the document belongs to, and its 机构(问题) code (DA/T 22-2015); the organ may be left out. */
  declare fondsCode: string;
  declare organCode: string | null;
  /** 年度: the year the 档号 is numbered in. */
  declare year: number;
  /** Who handed it over (the registrar's username). */
  declare submittedBy: string;
  declare state: IntakeState;
  declare error: string | null;
  declare recordId: number | null;
  declare archiveCode: string | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    ArchiveIntake.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        sourceKey: { type: DataTypes.STRING(255), allowNull: false },
        ...documentColumns(),
        fileName: { type: DataTypes.STRING(255), allowNull: true },
        fileFormat: { type: DataTypes.STRING(16), allowNull: true },
        fileSha256: { type: DataTypes.STRING(64), allowNull: true },
        fileSize: { type: DataTypes.BIGINT, allowNull: true },
        openness: { type: DataTypes.STRING(8), allowNull: false },
        retention: { type: DataTypes.STRING(8), allowNull: false },
        fondsCode: { type: DataTypes.STRING(16), allowNull: false },
        organCode: { type: DataTypes.STRING(16), allowNull: true },
        year: { type: DataTypes.INTEGER, allowNull: false },
        submittedBy: { type: DataTypes.STRING(128), allowNull: false },
        state: { type: DataTypes.STRING(16), allowNull: false },
        error: { type: DataTypes.TEXT, allowNull: true },
        recordId: { type: DataTypes.INTEGER, allowNull: true },
        archiveCode: { type: DataTypes.STRING(64), allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "archive_intake", freezeTableName: true },
    );
  }
}

/** The last 件号 given in one 档号 group (migration 0012). */
export class ArchiveCodeCounter extends Model<
  InferAttributes<ArchiveCodeCounter>,
  InferCreationAttributes<ArchiveCodeCounter>
> {
  declare fondsCode: string;
  declare year: number;
  declare retention: Retention;
  /** "" when the fonds numbers without an organ part. */
  declare organCode: string;
  declare last: number;

  static initModel(sequelize: Sequelize): void {
    ArchiveCodeCounter.init(
      {
        fondsCode: { type: DataTypes.STRING(16), allowNull: false, primaryKey: true },
        year: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
        retention: { type: DataTypes.STRING(8), allowNull: false, primaryKey: true },
        organCode: { type: DataTypes.STRING(16), allowNull: false, primaryKey: true },
        last: { type: DataTypes.INTEGER, allowNull: false },
      },
      { sequelize, tableName: "archive_code_counters", timestamps: false },
    );
  }
}

export function initArchiveModels(sequelize: Sequelize): void {
  for (const model of [ArchiveRecord, ArchiveRecordLink, ArchiveImport, ArchiveIntake, ArchiveCodeCounter]) {
    model.initModel(sequelize);
  }
}

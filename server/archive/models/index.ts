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
  get(this: ArchiveRecord): string[] {
    const raw = this.getDataValue(name) as unknown;
    if (Array.isArray(raw)) return raw as string[];
    try {
      const parsed: unknown = JSON.parse(String(raw ?? "[]"));
      return Array.isArray(parsed) ? parsed.map(String) : [];
    } catch {
      return [];
    }
  },
  set(this: ArchiveRecord, value: readonly string[]) {
    this.setDataValue(name, JSON.stringify(value) as unknown as string[]);
  },
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
        title: { type: DataTypes.STRING(500), allowNull: false },
        docNumber: { type: DataTypes.STRING(64), allowNull: true },
        issuers: stringList("issuers"),
        docType: { type: DataTypes.STRING(32), allowNull: true },
        issuedOn: { type: DataTypes.DATEONLY, allowNull: true },
        effectiveOn: { type: DataTypes.DATEONLY, allowNull: true },
        subjects: stringList("subjects"),
        category: { type: DataTypes.STRING(64), allowNull: true },
        // LONGTEXT on MariaDB (migration 0008); the model only needs to know it is text.
        body: { type: DataTypes.TEXT, allowNull: false },
        validity: { type: DataTypes.STRING(8), allowNull: false },
        openness: { type: DataTypes.STRING(8), allowNull: false },
        retention: { type: DataTypes.STRING(8), allowNull: false },
        archiveCode: { type: DataTypes.STRING(64), allowNull: true },
        fileName: { type: DataTypes.STRING(255), allowNull: true },
        fileFormat: { type: DataTypes.STRING(16), allowNull: true },
        pages: { type: DataTypes.INTEGER, allowNull: true },
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

export function initArchiveModels(sequelize: Sequelize): void {
  for (const model of [ArchiveRecord, ArchiveRecordLink]) model.initModel(sequelize);
}

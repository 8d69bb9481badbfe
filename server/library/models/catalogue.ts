import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from "sequelize";

/** The extracted full text of a file (migration 0024): what the search index is rebuilt from. */
export class LibraryFileText extends Model<InferAttributes<LibraryFileText>, InferCreationAttributes<LibraryFileText>> {
  declare fileId: number;
  declare text: string;

  static initModel(sequelize: Sequelize): void {
    LibraryFileText.init(
      {
        fileId: { type: DataTypes.INTEGER, primaryKey: true },
        text: { type: DataTypes.TEXT, allowNull: false },
      },
      { sequelize, tableName: "library_file_texts", timestamps: false },
    );
  }
}

export const IMPORT_STATUSES = ["queued", "running", "done", "failed"] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const IMPORT_OUTCOMES = ["created", "updated", "failed"] as const;
export type ImportOutcome = (typeof IMPORT_OUTCOMES)[number];

/** One CSV row of a batch import as its report shows it. */
export interface ImportReportRow {
  /** The CSV line (2 = the first row after the header). */
  line: number;
  file: string;
  outcome: ImportOutcome;
  titleId?: number;
  title?: string;
  /** Why it failed: an error code the screens translate, and the server's message. */
  code?: string;
  message?: string;
}

/** A batch import of a folder plus CSV (migration 0024), run by the job queue. */
export class LibraryImport extends Model<InferAttributes<LibraryImport>, InferCreationAttributes<LibraryImport>> {
  declare id: CreationOptional<number>;
  declare operator: string;
  declare status: ImportStatus;
  /** CSV rows to import and rows done so far: the progress bar. */
  declare total: CreationOptional<number>;
  declare done: CreationOptional<number>;
  declare created: CreationOptional<number>;
  declare updated: CreationOptional<number>;
  declare failed: CreationOptional<number>;
  declare report: ImportReportRow[];
  /** Why the whole run failed (not a row: a row's failure is in the report). */
  declare error: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare finishedAt: CreationOptional<Date | null>;

  static initModel(sequelize: Sequelize): void {
    LibraryImport.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        operator: { type: DataTypes.STRING(128), allowNull: false },
        status: { type: DataTypes.STRING(16), allowNull: false },
        total: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        done: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        created: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        updated: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        failed: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        report: {
          type: DataTypes.TEXT,
          allowNull: false,
          get(this: LibraryImport): ImportReportRow[] {
            const raw = this.getDataValue("report") as unknown;
            return typeof raw === "string" ? (JSON.parse(raw) as ImportReportRow[]) : [];
          },
          set(this: LibraryImport, value: ImportReportRow[]) {
            this.setDataValue("report", JSON.stringify(value) as unknown as ImportReportRow[]);
          },
        },
        error: { type: DataTypes.TEXT, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
        finishedAt: { type: DataTypes.DATE, allowNull: true },
      },
      { sequelize, tableName: "library_imports" },
    );
  }
}

export function initCatalogueModels(sequelize: Sequelize): void {
  LibraryFileText.initModel(sequelize);
  LibraryImport.initModel(sequelize);
}

import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from "sequelize";
import { bigintNumber } from "../../core/columns.js";
import { initCatalogueModels } from "./catalogue.js";
import { initReadingModels } from "./reading.js";

export const LICENCE_MODELS = ["copies", "pool", "open"] as const;
/** `copies`: one copy one reader, N copies; `pool`: N readers at once; `open`: read and download freely. */
export type LicenceModel = (typeof LICENCE_MODELS)[number];

/** Who borrows: civil servants (staff accounts) and the public; each has its own loan rules. */
export const PATRON_CATEGORIES = ["staff", "public"] as const;
export type PatronCategory = (typeof PATRON_CATEGORIES)[number];

export const LOAN_STATES = ["active", "returned", "expired"] as const;
export type LoanState = (typeof LOAN_STATES)[number];

/** waiting (in the queue) → ready (a copy kept for the patron until claimUntil) → fulfilled (borrowed) or expired; cancelled by the patron. */
export const HOLD_STATES = ["waiting", "ready", "fulfilled", "expired", "cancelled"] as const;
export type HoldState = (typeof HOLD_STATES)[number];

/** A class of the 中图法 navigation tree (migration 0023 seeds them). */
export class LibraryClass extends Model<InferAttributes<LibraryClass>, InferCreationAttributes<LibraryClass>> {
  declare code: string;
  declare name: string;
  declare parentCode: string | null;
  declare level: 1 | 2;
  declare sortOrder: number;

  static initModel(sequelize: Sequelize): void {
    LibraryClass.init(
      {
        code: { type: DataTypes.STRING(16), primaryKey: true },
        name: { type: DataTypes.STRING(100), allowNull: false },
        parentCode: { type: DataTypes.STRING(16), allowNull: true },
        level: { type: DataTypes.INTEGER, allowNull: false },
        sortOrder: { type: DataTypes.INTEGER, allowNull: false },
      },
      { sequelize, tableName: "library_classes", timestamps: false },
    );
  }
}

/** A title of the catalogue with its licence. */
export class LibraryTitle extends Model<InferAttributes<LibraryTitle>, InferCreationAttributes<LibraryTitle>> {
  declare id: CreationOptional<number>;
  declare title: string;
  declare authors: CreationOptional<string>;
  declare publisher: CreationOptional<string | null>;
  declare year: CreationOptional<number | null>;
  /** ISBN-13 (services/isbn.ts normalises ISBN-10 to it). */
  declare isbn: CreationOptional<string | null>;
  declare language: CreationOptional<string>;
  declare subjects: CreationOptional<string>;
  declare summary: CreationOptional<string | null>;
  /** The 中图法 class number (K204.2). */
  declare classCode: CreationOptional<string | null>;
  declare licenceModel: LicenceModel;
  /** How many readers at once for `copies` and `pool`; unused for `open`. */
  declare copies: CreationOptional<number>;
  declare titleCategory: CreationOptional<string>;
  declare coverSha256: CreationOptional<string | null>;
  /** Taken out of the catalogue (migration 0024): kept for loan history, left out of lists and the index. */
  declare withdrawnAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    LibraryTitle.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        title: { type: DataTypes.STRING(500), allowNull: false },
        authors: { type: DataTypes.STRING(500), allowNull: false, defaultValue: "" },
        publisher: { type: DataTypes.STRING(200), allowNull: true },
        year: { type: DataTypes.INTEGER, allowNull: true },
        isbn: { type: DataTypes.STRING(13), allowNull: true },
        language: { type: DataTypes.STRING(16), allowNull: false, defaultValue: "zh" },
        subjects: { type: DataTypes.STRING(500), allowNull: false, defaultValue: "" },
        summary: { type: DataTypes.TEXT, allowNull: true },
        classCode: { type: DataTypes.STRING(32), allowNull: true },
        licenceModel: { type: DataTypes.STRING(8), allowNull: false },
        copies: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
        titleCategory: { type: DataTypes.STRING(32), allowNull: false, defaultValue: "general" },
        coverSha256: { type: DataTypes.STRING(64), allowNull: true },
        withdrawnAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "library_titles" },
    );
  }
}

/** A file of a title (PDF, EPUB), kept in the blob store by its hash. */
export class LibraryFile extends Model<InferAttributes<LibraryFile>, InferCreationAttributes<LibraryFile>> {
  declare id: CreationOptional<number>;
  declare titleId: number;
  declare sha256: string;
  declare size: number;
  declare mediaType: string;
  declare pageCount: number | null;
  /** Whether its text went to the full-text index. */
  declare fullText: CreationOptional<boolean>;
  /** The name it was uploaded under. */
  declare fileName: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    LibraryFile.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        titleId: { type: DataTypes.INTEGER, allowNull: false },
        sha256: { type: DataTypes.STRING(64), allowNull: false },
        size: { ...bigintNumber("size"), allowNull: false },
        mediaType: { type: DataTypes.STRING(100), allowNull: false },
        pageCount: { type: DataTypes.INTEGER, allowNull: true },
        fullText: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        fileName: { type: DataTypes.STRING(255), allowNull: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "library_files", updatedAt: false },
    );
  }
}

/** A patron's loan of a title. */
export class LibraryLoan extends Model<InferAttributes<LibraryLoan>, InferCreationAttributes<LibraryLoan>> {
  declare id: CreationOptional<number>;
  declare titleId: number;
  declare userId: number;
  /** The category the patron borrowed under: its rules govern renewals. */
  declare patronCategory: PatronCategory;
  declare state: LoanState;
  declare borrowedAt: Date;
  declare dueAt: Date;
  declare returnedAt: Date | null;
  declare renewals: CreationOptional<number>;

  static initModel(sequelize: Sequelize): void {
    LibraryLoan.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        titleId: { type: DataTypes.INTEGER, allowNull: false },
        userId: { type: DataTypes.INTEGER, allowNull: false },
        patronCategory: { type: DataTypes.STRING(16), allowNull: false },
        state: { type: DataTypes.STRING(16), allowNull: false },
        borrowedAt: { type: DataTypes.DATE, allowNull: false },
        dueAt: { type: DataTypes.DATE, allowNull: false },
        returnedAt: { type: DataTypes.DATE, allowNull: true },
        renewals: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      },
      { sequelize, tableName: "library_loans", timestamps: false },
    );
  }
}

/** A patron's place in the queue for a title. */
export class LibraryHold extends Model<InferAttributes<LibraryHold>, InferCreationAttributes<LibraryHold>> {
  declare id: CreationOptional<number>;
  declare titleId: number;
  declare userId: number;
  /** The category the patron placed it under: its rules give the claim window. */
  declare patronCategory: PatronCategory;
  declare state: HoldState;
  declare createdAt: Date;
  declare readyAt: Date | null;
  /** Until when the copy is kept for the patron once the hold is ready. */
  declare claimUntil: Date | null;

  static initModel(sequelize: Sequelize): void {
    LibraryHold.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        titleId: { type: DataTypes.INTEGER, allowNull: false },
        userId: { type: DataTypes.INTEGER, allowNull: false },
        patronCategory: { type: DataTypes.STRING(16), allowNull: false },
        state: { type: DataTypes.STRING(16), allowNull: false },
        createdAt: { type: DataTypes.DATE, allowNull: false },
        readyAt: { type: DataTypes.DATE, allowNull: true },
        claimUntil: { type: DataTypes.DATE, allowNull: true },
      },
      { sequelize, tableName: "library_holds", timestamps: false },
    );
  }
}

/** Loan rules for a patron category × title category. */
export class LibraryRule extends Model<InferAttributes<LibraryRule>, InferCreationAttributes<LibraryRule>> {
  declare id: CreationOptional<number>;
  declare patronCategory: PatronCategory;
  declare titleCategory: string;
  declare loanDays: number;
  declare maxLoans: number;
  declare maxHolds: number;
  declare maxRenewals: number;
  /** How long a copy freed for a hold is kept for its patron. */
  declare claimDays: number;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    LibraryRule.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        patronCategory: { type: DataTypes.STRING(16), allowNull: false },
        titleCategory: { type: DataTypes.STRING(32), allowNull: false },
        loanDays: { type: DataTypes.INTEGER, allowNull: false },
        maxLoans: { type: DataTypes.INTEGER, allowNull: false },
        maxHolds: { type: DataTypes.INTEGER, allowNull: false },
        maxRenewals: { type: DataTypes.INTEGER, allowNull: false },
        claimDays: { type: DataTypes.INTEGER, allowNull: false },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "library_rules" },
    );
  }
}

export function initLibraryModels(sequelize: Sequelize): void {
  LibraryClass.initModel(sequelize);
  LibraryTitle.initModel(sequelize);
  LibraryFile.initModel(sequelize);
  LibraryLoan.initModel(sequelize);
  LibraryHold.initModel(sequelize);
  LibraryRule.initModel(sequelize);
  initCatalogueModels(sequelize);
  initReadingModels(sequelize);
}

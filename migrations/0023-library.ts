import { DataTypes, type QueryInterface } from "sequelize";
import { LIBRARY_CLASSES } from "../server/library/services/classification.js";

type Migration = { context: QueryInterface };

/**
 * The e-library's catalogue and lending (server/library).
 *
 * - `library_classes`: the 中图法 navigation tree (top and second-level
 *   classes), seeded here from server/library/services/classification.ts.
 * - `library_titles`: a title and its licence. `licenceModel` is `copies`
 *   (one copy one reader, `copies` of them), `pool` (`copies` readers at once)
 *   or `open` (nothing to lend: read and download freely; `copies` unused).
 *   `classCode` is the title's class number (K204.2), filed under a
 *   second-level class by prefix. The title's row is also the lock every
 *   lending change takes first (services/lending.ts).
 * - `library_files`: the title's files in the blob store, by hash.
 * - `library_loans`, `library_holds`: lending and the queue for a copy; each
 *   keeps the patron category it was made under (its rules: renewals, claim days).
 * - `library_rules`: loan rules per patron category × title category, seeded
 *   for the `general` category.
 */
export async function up({ context: q }: Migration): Promise<void> {
  const now = { type: DataTypes.DATE, allowNull: false };
  /** Lending times to the millisecond on MariaDB too (DATETIME(3)): the queue's order, due dates as computed. */
  const instant = { type: DataTypes.DATE(3), allowNull: false };
  const ref = (model: string, allowNull: boolean) => ({
    type: DataTypes.INTEGER,
    allowNull,
    references: { model, key: "id" },
  });

  await q.createTable("library_classes", {
    code: { type: DataTypes.STRING(16), primaryKey: true },
    name: { type: DataTypes.STRING(100), allowNull: false },
    parentCode: { type: DataTypes.STRING(16), allowNull: true },
    level: { type: DataTypes.INTEGER, allowNull: false },
    sortOrder: { type: DataTypes.INTEGER, allowNull: false },
  });
  await q.addIndex("library_classes", ["parentCode", "sortOrder"]);
  await q.bulkInsert(
    "library_classes",
    LIBRARY_CLASSES.map((c) => ({ ...c })),
  );

  await q.createTable("library_titles", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    title: { type: DataTypes.STRING(500), allowNull: false },
    authors: { type: DataTypes.STRING(500), allowNull: false, defaultValue: "" },
    publisher: { type: DataTypes.STRING(200), allowNull: true },
    year: { type: DataTypes.INTEGER, allowNull: true },
    /** ISBN-13, normalised (services/isbn.ts); unique when set (both databases allow many NULLs in a unique index). */
    isbn: { type: DataTypes.STRING(13), allowNull: true, unique: true },
    language: { type: DataTypes.STRING(16), allowNull: false, defaultValue: "zh" },
    subjects: { type: DataTypes.STRING(500), allowNull: false, defaultValue: "" },
    summary: { type: DataTypes.TEXT, allowNull: true },
    classCode: { type: DataTypes.STRING(32), allowNull: true },
    licenceModel: { type: DataTypes.STRING(8), allowNull: false },
    copies: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
    titleCategory: { type: DataTypes.STRING(32), allowNull: false, defaultValue: "general" },
    coverSha256: { type: DataTypes.STRING(64), allowNull: true },
    createdAt: now,
    updatedAt: now,
  });
  await q.addIndex("library_titles", ["classCode"]);
  await q.addIndex("library_titles", ["createdAt"]);

  await q.createTable("library_files", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    titleId: { ...ref("library_titles", false), onDelete: "CASCADE" },
    sha256: { type: DataTypes.STRING(64), allowNull: false },
    size: { type: DataTypes.BIGINT, allowNull: false },
    mediaType: { type: DataTypes.STRING(100), allowNull: false },
    pageCount: { type: DataTypes.INTEGER, allowNull: true },
    /** Whether the file's text was extracted for the full-text index. */
    fullText: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    createdAt: now,
  });
  await q.addIndex("library_files", ["titleId"]);
  await q.addIndex("library_files", ["sha256"]);

  await q.createTable("library_loans", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    titleId: { ...ref("library_titles", false), onDelete: "CASCADE" },
    userId: { ...ref("users", false), onDelete: "CASCADE" },
    patronCategory: { type: DataTypes.STRING(16), allowNull: false },
    state: { type: DataTypes.STRING(16), allowNull: false },
    borrowedAt: instant,
    dueAt: instant,
    returnedAt: { type: DataTypes.DATE(3), allowNull: true },
    renewals: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
  });
  // The active loans of a title (what borrow counts), a patron's loans, and the expiry job's overdue loans.
  await q.addIndex("library_loans", ["titleId", "state"]);
  await q.addIndex("library_loans", ["userId", "state"]);
  await q.addIndex("library_loans", ["state", "dueAt"]);

  await q.createTable("library_holds", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    titleId: { ...ref("library_titles", false), onDelete: "CASCADE" },
    userId: { ...ref("users", false), onDelete: "CASCADE" },
    patronCategory: { type: DataTypes.STRING(16), allowNull: false },
    state: { type: DataTypes.STRING(16), allowNull: false },
    createdAt: instant,
    readyAt: { type: DataTypes.DATE(3), allowNull: true },
    claimUntil: { type: DataTypes.DATE(3), allowNull: true },
  });
  // The queue of a title, first come first served; a patron's holds; the expiry job's lapsed claims.
  await q.addIndex("library_holds", ["titleId", "state", "createdAt"]);
  await q.addIndex("library_holds", ["userId", "state"]);
  await q.addIndex("library_holds", ["state", "claimUntil"]);

  await q.createTable("library_rules", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    patronCategory: { type: DataTypes.STRING(16), allowNull: false },
    titleCategory: { type: DataTypes.STRING(32), allowNull: false },
    loanDays: { type: DataTypes.INTEGER, allowNull: false },
    maxLoans: { type: DataTypes.INTEGER, allowNull: false },
    maxHolds: { type: DataTypes.INTEGER, allowNull: false },
    maxRenewals: { type: DataTypes.INTEGER, allowNull: false },
    claimDays: { type: DataTypes.INTEGER, allowNull: false },
    createdAt: now,
    updatedAt: now,
  });
  await q.addIndex("library_rules", ["patronCategory", "titleCategory"], {
    unique: true,
    name: "library_rules_once",
  });
  const at = new Date();
  await q.bulkInsert("library_rules", [
    {
      patronCategory: "staff",
      titleCategory: "general",
      loanDays: 21,
      maxLoans: 10,
      maxHolds: 5,
      maxRenewals: 2,
      claimDays: 3,
      createdAt: at,
      updatedAt: at,
    },
    {
      patronCategory: "public",
      titleCategory: "general",
      loanDays: 14,
      maxLoans: 5,
      maxHolds: 3,
      maxRenewals: 1,
      claimDays: 3,
      createdAt: at,
      updatedAt: at,
    },
  ]);
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("library_rules");
  await q.dropTable("library_holds");
  await q.dropTable("library_loans");
  await q.dropTable("library_files");
  await q.dropTable("library_titles");
  await q.dropTable("library_classes");
}

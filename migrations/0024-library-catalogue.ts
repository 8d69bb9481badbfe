import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * What the catalogue's management needs (server/library/services/titles.ts,
 * catalogueImport.ts):
 *
 * - `library_file_texts`: each file's extracted full text (NFKC, vertical
 *   columns joined), so that the search index can be rebuilt from the
 *   database alone and a metadata edit re-indexes without reading the PDF
 *   again (a book takes seconds to extract; a reindex of thousands would take
 *   hours). LONGTEXT on MariaDB: a book is far over TEXT's 64 KB. A table of
 *   its own, so that nothing that lists files loads whole books.
 * - `library_files.fileName`: the name it was uploaded under, shown to
 *   librarians and matched by the batch import's CSV.
 * - `library_titles.withdrawnAt`: a title taken out of the catalogue. Its row
 *   stays, so loan history and statistics keep their title; the catalogue and
 *   the index leave it out.
 * - `library_imports`: batch imports (folder + CSV) run by the job queue, with
 *   progress and a report of every row.
 */
export async function up({ context: q }: Migration): Promise<void> {
  const long = q.sequelize.getDialect() === "sqlite" ? DataTypes.TEXT : DataTypes.TEXT("long");
  await q.createTable("library_file_texts", {
    fileId: {
      type: DataTypes.INTEGER,
      primaryKey: true,
      references: { model: "library_files", key: "id" },
      onDelete: "CASCADE",
    },
    text: { type: long, allowNull: false },
  });
  await q.addColumn("library_files", "fileName", { type: DataTypes.STRING(255), allowNull: true });
  await q.addColumn("library_titles", "withdrawnAt", { type: DataTypes.DATE, allowNull: true });
  await q.createTable("library_imports", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    operator: { type: DataTypes.STRING(128), allowNull: false },
    status: { type: DataTypes.STRING(16), allowNull: false },
    total: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    done: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    created: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    updated: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    failed: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    /** One entry per CSV row (JSON): its file, outcome, title id, or the reason it failed. */
    report: { type: long, allowNull: false },
    error: { type: DataTypes.TEXT, allowNull: true },
    createdAt: { type: DataTypes.DATE, allowNull: false },
    updatedAt: { type: DataTypes.DATE, allowNull: false },
    finishedAt: { type: DataTypes.DATE, allowNull: true },
  });
  await q.addIndex("library_imports", ["createdAt"], { name: "library_imports_created" });
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("library_imports");
  await q.removeColumn("library_titles", "withdrawnAt");
  await q.removeColumn("library_files", "fileName");
  await q.dropTable("library_file_texts");
}

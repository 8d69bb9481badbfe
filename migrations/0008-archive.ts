import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * The archive (文件档案查询中心) and the search outbox every module shares.
 *
 * - `archive_records`: one policy document — metadata, full text, validity,
 *   openness, retention and 档号. `sourceKey` names where it came from
 *   ("import:<path inside the imported folder>", later "oa:<document id>"), so
 *   an import run finds the record a file made before; `contentHash` (sha256 of
 *   the file) tells an unchanged file from a changed one.
 * - `archive_record_links`: 修订 / 废止 relations between versions.
 * - `search_outbox`: index changes written in the same transaction as the
 *   record (collection, document id, upsert or delete), drained into the search
 *   backend; the index can always be rebuilt from the database.
 */
export async function up({ context: q }: Migration): Promise<void> {
  const now = { type: DataTypes.DATE, allowNull: false };
  await q.createTable("archive_records", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    sourceKey: { type: DataTypes.STRING(255), allowNull: false, unique: true },
    source: { type: DataTypes.STRING(16), allowNull: false },
    contentHash: { type: DataTypes.STRING(64), allowNull: true },
    title: { type: DataTypes.STRING(500), allowNull: false },
    docNumber: { type: DataTypes.STRING(64), allowNull: true },
    issuers: { type: DataTypes.TEXT, allowNull: false },
    docType: { type: DataTypes.STRING(32), allowNull: true },
    issuedOn: { type: DataTypes.DATEONLY, allowNull: true },
    effectiveOn: { type: DataTypes.DATEONLY, allowNull: true },
    subjects: { type: DataTypes.TEXT, allowNull: false },
    category: { type: DataTypes.STRING(64), allowNull: true },
    // A whole law or book: LONGTEXT on MariaDB (TEXT stops at 64 KB); SQLite has one TEXT.
    body: { type: q.sequelize.getDialect() === "sqlite" ? DataTypes.TEXT : DataTypes.TEXT("long"), allowNull: false },
    validity: { type: DataTypes.STRING(8), allowNull: false },
    openness: { type: DataTypes.STRING(8), allowNull: false },
    retention: { type: DataTypes.STRING(8), allowNull: false },
    archiveCode: { type: DataTypes.STRING(64), allowNull: true, unique: true },
    fileName: { type: DataTypes.STRING(255), allowNull: true },
    fileFormat: { type: DataTypes.STRING(16), allowNull: true },
    pages: { type: DataTypes.INTEGER, allowNull: true },
    needsOcr: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    createdAt: now,
    updatedAt: now,
  });
  await q.addIndex("archive_records", ["docNumber"]);
  await q.addIndex("archive_records", ["issuedOn"]);

  await q.createTable("archive_record_links", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    fromId: {
      type: DataTypes.INTEGER,
      allowNull: false,
      references: { model: "archive_records", key: "id" },
      onDelete: "CASCADE",
    },
    toId: {
      type: DataTypes.INTEGER,
      allowNull: false,
      references: { model: "archive_records", key: "id" },
      onDelete: "CASCADE",
    },
    kind: { type: DataTypes.STRING(8), allowNull: false },
    createdAt: now,
  });
  await q.addIndex("archive_record_links", ["fromId", "toId", "kind"], { unique: true });
  await q.addIndex("archive_record_links", ["toId"]);

  await q.createTable("search_outbox", {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    collection: { type: DataTypes.STRING(32), allowNull: false },
    docId: { type: DataTypes.STRING(64), allowNull: false },
    op: { type: DataTypes.STRING(8), allowNull: false },
    createdAt: now,
  });
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("search_outbox");
  await q.dropTable("archive_record_links");
  await q.dropTable("archive_records");
}

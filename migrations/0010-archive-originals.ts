import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

const COLUMNS = ["fileSha256", "fileSize", "fileType"] as const;
const INDEX = "archive_records_file_sha256";

/**
 * The original file of an archive record, kept in the blob store
 * (server/core/blobStore.ts): its sha256 (the blob's name; null while a record
 * has no stored original), its size in bytes and its MIME type, which the
 * file route answers with. Indexed by hash, so the blob sweep asks the archive
 * which of a batch of blobs it still refers to in one query.
 */
export async function up({ context: q }: Migration): Promise<void> {
  await q.addColumn("archive_records", "fileSha256", { type: DataTypes.STRING(64), allowNull: true });
  await q.addColumn("archive_records", "fileSize", { type: DataTypes.BIGINT, allowNull: true });
  await q.addColumn("archive_records", "fileType", { type: DataTypes.STRING(127), allowNull: true });
  await q.addIndex("archive_records", ["fileSha256"], { name: INDEX });
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.removeIndex("archive_records", INDEX);
  // ALTER TABLE … DROP COLUMN on both dialects (SQLite ≥ 3.35): Sequelize's SQLite removeColumn copies
  // the table and drops the original, and with foreign keys on, that drop would cascade to the version links.
  for (const column of COLUMNS) {
    await q.sequelize.query(
      `ALTER TABLE ${q.quoteIdentifier("archive_records")} DROP COLUMN ${q.quoteIdentifier(column)}`,
    );
  }
}

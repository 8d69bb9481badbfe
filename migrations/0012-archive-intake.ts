import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * `archive_intake`: documents another module hands to the archive (the OA's
 * 归档 step): what the document is, its original in the blob store, and where
 * in the fonds it belongs. The archive turns each into a record with its 档号
 * (server/archive/services/intake.ts) and keeps the row as the receipt.
 *
 * `archive_code_counters`: the last 件号 given in each group of DA/T 22-2015
 * (全宗号-年度-保管期限-机构), so that 档号 are gap-free and never given twice.
 */
export async function up({ context: q }: Migration): Promise<void> {
  const long = q.sequelize.getDialect() === "sqlite" ? DataTypes.TEXT : DataTypes.TEXT("long");
  await q.createTable("archive_intake", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    sourceKey: { type: DataTypes.STRING(255), allowNull: false, unique: true },
    title: { type: DataTypes.STRING(500), allowNull: false },
    docNumber: { type: DataTypes.STRING(64), allowNull: true },
    issuers: { type: DataTypes.TEXT, allowNull: false },
    docType: { type: DataTypes.STRING(32), allowNull: true },
    issuedOn: { type: DataTypes.DATEONLY, allowNull: true },
    effectiveOn: { type: DataTypes.DATEONLY, allowNull: true },
    subjects: { type: DataTypes.TEXT, allowNull: false },
    category: { type: DataTypes.STRING(64), allowNull: true },
    body: { type: long, allowNull: false },
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
    createdAt: { type: DataTypes.DATE, allowNull: false },
    updatedAt: { type: DataTypes.DATE, allowNull: false },
  });
  await q.addIndex("archive_intake", ["state", "id"], { name: "archive_intake_state" });
  await q.addIndex("archive_intake", ["fileSha256"], { name: "archive_intake_file_sha256" });
  await q.createTable("archive_code_counters", {
    fondsCode: { type: DataTypes.STRING(16), allowNull: false, primaryKey: true },
    year: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
    retention: { type: DataTypes.STRING(8), allowNull: false, primaryKey: true },
    // "" when the fonds numbers without an organ part: a primary key column cannot be null.
    organCode: { type: DataTypes.STRING(16), allowNull: false, primaryKey: true },
    last: { type: DataTypes.INTEGER, allowNull: false },
  });
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("archive_code_counters");
  await q.dropTable("archive_intake");
}

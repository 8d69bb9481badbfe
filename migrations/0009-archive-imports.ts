import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * `archive_imports`: one run of the archive importer (the CLI, later an upload
 * from the archivist's screen) with its progress while it runs and its report
 * when it ends, so archivists see import status and every file that failed.
 */
export async function up({ context: q }: Migration): Promise<void> {
  await q.createTable("archive_imports", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    source: { type: DataTypes.STRING(16), allowNull: false },
    operator: { type: DataTypes.STRING(128), allowNull: false },
    folder: { type: DataTypes.STRING(1024), allowNull: false },
    status: { type: DataTypes.STRING(16), allowNull: false },
    dryRun: { type: DataTypes.BOOLEAN, allowNull: false },
    total: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    done: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    created: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    updated: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    unchanged: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    failed: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    needsOcr: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    skipped: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    problems: {
      type: q.sequelize.getDialect() === "sqlite" ? DataTypes.TEXT : DataTypes.TEXT("medium"),
      allowNull: false,
    },
    startedAt: { type: DataTypes.DATE, allowNull: false },
    finishedAt: { type: DataTypes.DATE, allowNull: true },
  });
  await q.addIndex("archive_imports", ["startedAt"]);
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("archive_imports");
}

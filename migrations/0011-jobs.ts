import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * `jobs`: the suite's background work queue (server/jobs). A row is claimed
 * by one app instance at a time through a lease (leaseOwner, leaseUntil) that
 * the worker renews while it works; a lease that runs out (the instance died)
 * lets another instance take the job again. `dedupeKey` (unique) makes a
 * scheduled job exist once however many instances schedule it.
 */
export async function up({ context: q }: Migration): Promise<void> {
  const long = q.sequelize.getDialect() === "sqlite" ? DataTypes.TEXT : DataTypes.TEXT("medium");
  await q.createTable("jobs", {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    kind: { type: DataTypes.STRING(64), allowNull: false },
    dedupeKey: { type: DataTypes.STRING(191), allowNull: true, unique: true },
    payload: { type: long, allowNull: false },
    state: { type: DataTypes.STRING(16), allowNull: false },
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    maxAttempts: { type: DataTypes.INTEGER, allowNull: false },
    repeatSeconds: { type: DataTypes.INTEGER, allowNull: true },
    runAt: { type: DataTypes.DATE, allowNull: false },
    leaseOwner: { type: DataTypes.STRING(64), allowNull: true },
    leaseUntil: { type: DataTypes.DATE, allowNull: true },
    lastError: { type: DataTypes.TEXT, allowNull: true },
    createdAt: { type: DataTypes.DATE, allowNull: false },
    updatedAt: { type: DataTypes.DATE, allowNull: false },
    finishedAt: { type: DataTypes.DATE, allowNull: true },
  });
  await q.addIndex("jobs", ["state", "runAt"], { name: "jobs_due" });
  await q.addIndex("jobs", ["state", "leaseUntil"], { name: "jobs_leases" });
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("jobs");
}

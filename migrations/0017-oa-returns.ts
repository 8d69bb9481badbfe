import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * 初审 may send a distributed document back to its sender with a reason: the
 * receiving unit's row of the distribution records when and why.
 */
export async function up({ context: q }: Migration): Promise<void> {
  await q.addColumn("oa_distributions", "returnedAt", { type: DataTypes.DATE, allowNull: true });
  await q.addColumn("oa_distributions", "returnReason", { type: DataTypes.STRING(500), allowNull: true });
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.removeColumn("oa_distributions", "returnReason");
  await q.removeColumn("oa_distributions", "returnedAt");
}

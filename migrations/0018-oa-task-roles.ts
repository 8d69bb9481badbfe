import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * 承办: the leader's 批办 names a lead (主办) and assisting (协办) handlers, each
 * with a deadline of their own; a task records which it is.
 */
export async function up({ context: q }: Migration): Promise<void> {
  await q.addColumn("oa_tasks", "role", { type: DataTypes.STRING(8), allowNull: true });
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.removeColumn("oa_tasks", "role");
}

import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * `audit_pending`: events recorded inside the transaction of the change they
 * describe, waiting to be chained. A change no longer locks the one head row
 * of the chain until it commits (every audited write in the system queued on
 * that lock); it inserts its event here, and right after the commit the events
 * waiting are chained in one batch under the head lock (auditChain.ts). They
 * have the columns of audit_events but the chain's: seq, prevHash and hash are
 * given when they are chained, in the order of `id`.
 */
export async function up({ context: q }: Migration): Promise<void> {
  await q.createTable("audit_pending", {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    at: { type: DataTypes.DATE(3), allowNull: false },
    actorId: { type: DataTypes.INTEGER, allowNull: true },
    actorName: { type: DataTypes.STRING(64), allowNull: true },
    ip: { type: DataTypes.STRING(64), allowNull: true },
    action: { type: DataTypes.STRING(64), allowNull: false },
    targetType: { type: DataTypes.STRING(32), allowNull: true },
    targetId: { type: DataTypes.STRING(64), allowNull: true },
    outcome: { type: DataTypes.STRING(16), allowNull: false },
    detail: { type: DataTypes.TEXT, allowNull: true },
  });
}

export async function down({ context: q }: Migration): Promise<void> {
  // Unchained events would be lost with the table: chain them first (start the server once).
  const [rows] = (await q.sequelize.query("SELECT COUNT(*) AS n FROM audit_pending")) as [{ n: number }[], unknown];
  if (Number(rows[0]?.n ?? 0) > 0) throw new Error("audit_pending holds events not chained yet: start the server once");
  await q.dropTable("audit_pending");
}

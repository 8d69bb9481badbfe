import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

export async function up({ context: q }: Migration): Promise<void> {
  await q.createTable("audit_events", {
    // Gap-free sequence assigned under the audit_head lock, so a deleted row shows as a gap.
    seq: { type: DataTypes.BIGINT, primaryKey: true },
    at: { type: DataTypes.DATE(3), allowNull: false },
    actorId: { type: DataTypes.INTEGER, allowNull: true },
    actorName: { type: DataTypes.STRING(64), allowNull: true },
    ip: { type: DataTypes.STRING(64), allowNull: true },
    action: { type: DataTypes.STRING(64), allowNull: false },
    targetType: { type: DataTypes.STRING(32), allowNull: true },
    targetId: { type: DataTypes.STRING(64), allowNull: true },
    outcome: { type: DataTypes.STRING(16), allowNull: false },
    detail: { type: DataTypes.TEXT, allowNull: true },
    prevHash: { type: DataTypes.STRING(64), allowNull: false },
    hash: { type: DataTypes.STRING(64), allowNull: false },
  });
  await q.addIndex("audit_events", ["at"]);
  await q.addIndex("audit_events", ["actorId", "at"]);
  await q.addIndex("audit_events", ["action", "at"]);

  // One row: the sequence and hash of the newest event. Appenders lock it, which
  // serialises the chain across app instances; it also makes truncating the tail detectable.
  await q.createTable("audit_head", {
    id: { type: DataTypes.INTEGER, primaryKey: true },
    seq: { type: DataTypes.BIGINT, allowNull: false },
    hash: { type: DataTypes.STRING(64), allowNull: false },
  });
  await q.bulkInsert("audit_head", [{ id: 1, seq: 0, hash: "0".repeat(64) }]);
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("audit_head");
  await q.dropTable("audit_events");
}

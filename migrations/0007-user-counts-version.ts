import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * `user_counts_version`: one counter, raised (by trigger, in the same
 * transaction) with every change to `unit_user_counts` — a user created,
 * moved or deleted, whatever code path wrote it. With `authz_version` (units
 * and departments) it names one state of the organisation tree, so an app
 * instance can keep the tree it last built and reuse it until either moves
 * (server/org/routes/units: GET /api/org/tree).
 */
const TRIGGERS = ["insert", "update", "delete"].map((event) => ({ name: `unit_user_counts_${event}`, event }));
const bump = "UPDATE user_counts_version SET version = version + 1 WHERE id = 1";

export async function up({ context: q }: Migration): Promise<void> {
  const mysql = q.sequelize.getDialect() !== "sqlite";
  await q.createTable("user_counts_version", {
    id: { type: DataTypes.INTEGER, primaryKey: true },
    version: { type: DataTypes.BIGINT, allowNull: false },
  });
  await q.bulkInsert("user_counts_version", [{ id: 1, version: 1 }]);
  for (const { name, event } of TRIGGERS) {
    await q.sequelize.query(
      mysql
        ? `CREATE TRIGGER ${name} AFTER ${event.toUpperCase()} ON unit_user_counts FOR EACH ROW ${bump}`
        : `CREATE TRIGGER ${name} AFTER ${event.toUpperCase()} ON unit_user_counts BEGIN ${bump}; END`,
    );
  }
}

export async function down({ context: q }: Migration): Promise<void> {
  for (const { name } of TRIGGERS) await q.sequelize.query(`DROP TRIGGER IF EXISTS ${name}`);
  await q.dropTable("user_counts_version");
}

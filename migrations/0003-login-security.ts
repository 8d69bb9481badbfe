import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

export async function up({ context: q }: Migration): Promise<void> {
  // The sign-in before the current one, which is what "上次登录" means to the person signed in.
  await q.addColumn("users", "previousLoginAt", { type: DataTypes.DATE, allowNull: true });
  // The TOTP time step (unix time / 30 s) of the last code accepted: a code is good once.
  await q.addColumn("users", "totpLastStep", { type: DataTypes.INTEGER, allowNull: true });

  // rate-limiter-flexible's store (RateLimiterMySQL / RateLimiterSQLite) shared by every app
  // instance. Created here rather than by the library at run time; the column order
  // (key, points, expire) is what the MySQL store's INSERT expects. expire is epoch ms.
  await q.createTable("rate_limits", {
    key: { type: DataTypes.STRING(255), primaryKey: true },
    points: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    expire: { type: DataTypes.BIGINT, allowNull: true },
  });
  await q.addIndex("rate_limits", ["expire"]);
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("rate_limits");
  // Plain ALTER TABLE … DROP COLUMN works on MariaDB and SQLite ≥ 3.35, without
  // Sequelize's copy-the-table emulation for SQLite (which trips over foreign keys).
  await q.sequelize.query("ALTER TABLE users DROP COLUMN totpLastStep");
  await q.sequelize.query("ALTER TABLE users DROP COLUMN previousLoginAt");
}

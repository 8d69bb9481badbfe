import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * `notifications`: the in-app notification centre (server/notify). One row per
 * recipient; the message is not stored as text but as a kind and the values it
 * needs (`params`, JSON), so the client renders it in the reader's language.
 *
 * Indexes, each for one question asked often of a table that grows to millions
 * of rows (SQLite and InnoDB both append the primary key to every index, so the
 * newest-first orders below need no sort):
 * - (userId, readAt, id): the unread count the bell polls (a range of one
 *   user's NULL readAt) and the unread tab, newest first.
 * - (userId, id): the "all" tab, newest first; the first index would have to
 *   sort all of a user's rows for it.
 * - (readAt, createdAt): the retention job — read ones by `readAt <`, unread
 *   ones by `readAt IS NULL AND createdAt <` — without scanning the table.
 */
export async function up({ context: q }: Migration): Promise<void> {
  await q.createTable("notifications", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    userId: {
      type: DataTypes.INTEGER,
      allowNull: false,
      references: { model: "users", key: "id" },
      onDelete: "CASCADE",
    },
    kind: { type: DataTypes.STRING(64), allowNull: false },
    params: { type: DataTypes.TEXT, allowNull: false },
    link: { type: DataTypes.STRING(255), allowNull: true },
    actorId: {
      type: DataTypes.INTEGER,
      allowNull: true,
      references: { model: "users", key: "id" },
      onDelete: "SET NULL",
    },
    // Milliseconds (DATETIME(3) on MariaDB): the time a person is shown is the time stored, on every database.
    readAt: { type: DataTypes.DATE(3), allowNull: true },
    createdAt: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex("notifications", ["userId", "readAt", "id"], { name: "notifications_unread" });
  await q.addIndex("notifications", ["userId", "id"], { name: "notifications_user" });
  await q.addIndex("notifications", ["readAt", "createdAt"], { name: "notifications_retention" });
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("notifications");
}

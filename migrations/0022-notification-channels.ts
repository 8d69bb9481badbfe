import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * Each person's choice of the channels notifications also reach them by,
 * besides the notification centre (server/notify): today e-mail to their
 * personal mailbox. No row: the channel's default (e-mail: off).
 */
export async function up({ context: q }: Migration): Promise<void> {
  await q.createTable("notification_channel_settings", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    userId: {
      type: DataTypes.INTEGER,
      allowNull: false,
      references: { model: "users", key: "id" },
      onDelete: "CASCADE",
    },
    channel: { type: DataTypes.STRING(32), allowNull: false },
    enabled: { type: DataTypes.BOOLEAN, allowNull: false },
    updatedAt: { type: DataTypes.DATE, allowNull: false },
  });
  await q.addIndex("notification_channel_settings", ["userId", "channel"], {
    unique: true,
    name: "notification_channel_settings_once",
  });
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("notification_channel_settings");
}

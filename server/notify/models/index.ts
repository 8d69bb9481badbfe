import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from "sequelize";

/** One message to one person (migration 0015); rendered by the client from `kind` and `params`. */
export class Notification extends Model<InferAttributes<Notification>, InferCreationAttributes<Notification>> {
  declare id: CreationOptional<number>;
  declare userId: number;
  /** A kind of the catalogue in server/notify/kinds.ts. */
  declare kind: string;
  /** The values the message needs, as JSON text (validated against the kind's schema when written). */
  declare params: string;
  /** Where clicking it leads in the SPA ("/oa/documents/12"), or null when nowhere. */
  declare link: string | null;
  /** Who caused it, when a person did. */
  declare actorId: number | null;
  declare readAt: Date | null;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Notification.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        userId: { type: DataTypes.INTEGER, allowNull: false },
        kind: { type: DataTypes.STRING(64), allowNull: false },
        params: { type: DataTypes.TEXT, allowNull: false },
        link: { type: DataTypes.STRING(255), allowNull: true },
        actorId: { type: DataTypes.INTEGER, allowNull: true },
        // DATE(3) as in the migration: MariaDB is sent the milliseconds only when the type says so.
        readAt: { type: DataTypes.DATE(3), allowNull: true },
        createdAt: DataTypes.DATE(3),
      },
      { sequelize, tableName: "notifications", updatedAt: false },
    );
  }
}

/** A person's choice for one channel (migration 0022); no row means the channel's default. */
export class NotificationChannelSetting extends Model<
  InferAttributes<NotificationChannelSetting>,
  InferCreationAttributes<NotificationChannelSetting>
> {
  declare id: CreationOptional<number>;
  declare userId: number;
  declare channel: string;
  declare enabled: boolean;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    NotificationChannelSetting.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        userId: { type: DataTypes.INTEGER, allowNull: false },
        channel: { type: DataTypes.STRING(32), allowNull: false },
        enabled: { type: DataTypes.BOOLEAN, allowNull: false },
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "notification_channel_settings", createdAt: false },
    );
  }
}

export function initNotifyModels(sequelize: Sequelize): void {
  Notification.initModel(sequelize);
  NotificationChannelSetting.initModel(sequelize);
}

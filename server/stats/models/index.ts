import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from "sequelize";

/** One counted use (migration 0027); written only through services/usage.ts recordUsage. */
export class UsageEvent extends Model<InferAttributes<UsageEvent>, InferCreationAttributes<UsageEvent>> {
  declare id: CreationOptional<number>;
  /** A kind of services/usage.ts USAGE_KINDS. */
  declare kind: string;
  declare userId: number | null;
  /** What was used, when it says something: a title's id, a class code, a search's words (cut to 200). */
  declare subject: string | null;
  declare at: Date;

  static initModel(sequelize: Sequelize): void {
    UsageEvent.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        kind: { type: DataTypes.STRING(40), allowNull: false },
        userId: { type: DataTypes.INTEGER, allowNull: true },
        subject: { type: DataTypes.STRING(200), allowNull: true },
        // DATE(3) as in the migration: MariaDB is sent the milliseconds only when the type says so.
        at: { type: DataTypes.DATE(3), allowNull: false },
      },
      { sequelize, tableName: "usage_events", timestamps: false },
    );
  }
}

export function initStatsModels(sequelize: Sequelize): void {
  UsageEvent.initModel(sequelize);
}

import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from "sequelize";
import { bigintNumber } from "../../core/columns.js";

/** queued: waiting for its runAt; running: leased by an instance; done and failed are final. */
export const JOB_STATES = ["queued", "running", "done", "failed"] as const;
export type JobState = (typeof JOB_STATES)[number];

/** One piece of background work (migration 0011). */
export class Job extends Model<InferAttributes<Job>, InferCreationAttributes<Job>> {
  declare id: CreationOptional<number>;
  declare kind: string;
  /** Unique when set: a second enqueue with the same key finds the first job instead. */
  declare dedupeKey: string | null;
  /** The handler's input, as JSON text (see payloadOf). */
  declare payload: string;
  declare state: JobState;
  /** Claims so far, the current one included. */
  declare attempts: CreationOptional<number>;
  declare maxAttempts: number;
  /** Set for a recurring job: after each run it is queued again this many seconds later. */
  declare repeatSeconds: number | null;
  declare runAt: Date;
  declare leaseOwner: string | null;
  declare leaseUntil: Date | null;
  declare lastError: string | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare finishedAt: Date | null;

  static initModel(sequelize: Sequelize): void {
    Job.init(
      {
        id: { ...bigintNumber("id"), primaryKey: true, autoIncrement: true },
        kind: { type: DataTypes.STRING(64), allowNull: false },
        dedupeKey: { type: DataTypes.STRING(191), allowNull: true },
        payload: { type: DataTypes.TEXT, allowNull: false },
        state: { type: DataTypes.STRING(16), allowNull: false },
        attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        maxAttempts: { type: DataTypes.INTEGER, allowNull: false },
        repeatSeconds: { type: DataTypes.INTEGER, allowNull: true },
        runAt: { type: DataTypes.DATE, allowNull: false },
        leaseOwner: { type: DataTypes.STRING(64), allowNull: true },
        leaseUntil: { type: DataTypes.DATE, allowNull: true },
        lastError: { type: DataTypes.TEXT, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
        finishedAt: { type: DataTypes.DATE, allowNull: true },
      },
      { sequelize, tableName: "jobs" },
    );
  }
}

export function initJobModels(sequelize: Sequelize): void {
  Job.initModel(sequelize);
}

import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from "sequelize";
import { bigintNumber } from "../../core/columns.js";

export const AUDIT_OUTCOMES = ["success", "failure", "denied"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** What an event records: the columns of audit_events and audit_pending besides the chain's. */
const eventColumns = () => ({
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

export class AuditEvent extends Model<InferAttributes<AuditEvent>, InferCreationAttributes<AuditEvent>> {
  declare seq: number;
  declare at: Date;
  declare actorId: number | null;
  declare actorName: string | null;
  declare ip: string | null;
  declare action: string;
  declare targetType: string | null;
  declare targetId: string | null;
  declare outcome: AuditOutcome;
  declare detail: string | null;
  declare prevHash: string;
  declare hash: string;

  static initModel(sequelize: Sequelize): void {
    AuditEvent.init(
      {
        seq: { ...bigintNumber("seq"), primaryKey: true },
        ...eventColumns(),
        prevHash: { type: DataTypes.STRING(64), allowNull: false },
        hash: { type: DataTypes.STRING(64), allowNull: false },
      },
      { sequelize, tableName: "audit_events", timestamps: false },
    );
  }
}

export class AuditHead extends Model<InferAttributes<AuditHead>, InferCreationAttributes<AuditHead>> {
  declare id: number;
  declare seq: number;
  declare hash: string;
  /** Null until the chain is first signed with the audit key; names its checkpoint file. */
  declare chainId: string | null;

  static initModel(sequelize: Sequelize): void {
    AuditHead.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true },
        seq: { ...bigintNumber("seq"), allowNull: false },
        hash: { type: DataTypes.STRING(64), allowNull: false },
        chainId: { type: DataTypes.STRING(36), allowNull: true },
      },
      { sequelize, tableName: "audit_head", timestamps: false },
    );
  }
}

/** An event recorded in its change's transaction and not chained yet (migration 0019). */
export class AuditPending extends Model<InferAttributes<AuditPending>, InferCreationAttributes<AuditPending>> {
  declare id: CreationOptional<number>;
  declare at: Date;
  declare actorId: number | null;
  declare actorName: string | null;
  declare ip: string | null;
  declare action: string;
  declare targetType: string | null;
  declare targetId: string | null;
  declare outcome: AuditOutcome;
  declare detail: string | null;

  static initModel(sequelize: Sequelize): void {
    AuditPending.init(
      {
        id: { ...bigintNumber("id"), primaryKey: true, autoIncrement: true },
        ...eventColumns(),
      },
      { sequelize, tableName: "audit_pending", timestamps: false },
    );
  }
}

export function initAuditModels(sequelize: Sequelize): void {
  AuditEvent.initModel(sequelize);
  AuditHead.initModel(sequelize);
  AuditPending.initModel(sequelize);
}

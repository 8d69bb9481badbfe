import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from "sequelize";

export const PROCESS_CATEGORIES = ["outgoing", "incoming", "general"] as const;
export type ProcessCategory = (typeof PROCESS_CATEGORIES)[number];

/** A process definition's identity; its graphs are the versions (migration 0014). */
export class Process extends Model<InferAttributes<Process>, InferCreationAttributes<Process>> {
  declare id: CreationOptional<number>;
  declare key: string;
  declare name: string;
  declare category: ProcessCategory;
  /** The unit it was adapted for (and the units below it), or null for the city-wide default. */
  declare unitId: number | null;
  declare latestVersion: number;
  declare enabled: CreationOptional<boolean>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Process.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        key: { type: DataTypes.STRING(64), allowNull: false },
        name: { type: DataTypes.STRING(100), allowNull: false },
        category: { type: DataTypes.STRING(16), allowNull: false },
        unitId: { type: DataTypes.INTEGER, allowNull: true },
        latestVersion: { type: DataTypes.INTEGER, allowNull: false },
        enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "oa_processes" },
    );
  }
}

/** One saved version of a process: the graph the engine runs and the BPMN it was drawn as. */
export class ProcessVersion extends Model<InferAttributes<ProcessVersion>, InferCreationAttributes<ProcessVersion>> {
  declare id: CreationOptional<number>;
  declare processId: number;
  declare version: number;
  /** ProcessGraph as JSON text (definition.ts). */
  declare graph: string;
  declare bpmnXml: string | null;
  declare createdById: number | null;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    ProcessVersion.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        processId: { type: DataTypes.INTEGER, allowNull: false },
        version: { type: DataTypes.INTEGER, allowNull: false },
        graph: { type: DataTypes.TEXT, allowNull: false },
        bpmnXml: { type: DataTypes.TEXT, allowNull: true },
        createdById: { type: DataTypes.INTEGER, allowNull: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "oa_process_versions", updatedAt: false },
    );
  }
}

export const INSTANCE_STATUSES = ["running", "completed", "terminated"] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** One run of a process version for a business object. */
export class Instance extends Model<InferAttributes<Instance>, InferCreationAttributes<Instance>> {
  declare id: CreationOptional<number>;
  declare processVersionId: number;
  declare businessType: string;
  declare businessId: number;
  declare drafterId: number;
  declare status: InstanceStatus;
  /** The node whose tasks are open; null once the instance has ended. */
  declare currentNodeId: string | null;
  /** The form's fields as JSON text: what branch conditions and field assignees read. */
  declare form: string;
  /** Bumped first by every operation: operations on one instance run one after another. */
  declare rev: CreationOptional<number>;
  declare startedAt: Date;
  declare endedAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Instance.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        processVersionId: { type: DataTypes.INTEGER, allowNull: false },
        businessType: { type: DataTypes.STRING(32), allowNull: false },
        businessId: { type: DataTypes.INTEGER, allowNull: false },
        drafterId: { type: DataTypes.INTEGER, allowNull: false },
        status: { type: DataTypes.STRING(16), allowNull: false },
        currentNodeId: { type: DataTypes.STRING(64), allowNull: true },
        form: { type: DataTypes.TEXT, allowNull: false },
        rev: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        startedAt: { type: DataTypes.DATE, allowNull: false },
        endedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "oa_instances" },
    );
  }
}

export const TASK_KINDS = ["do", "read"] as const;
export type TaskKind = (typeof TASK_KINDS)[number];
/** open: the assignee may act; waiting: a later signer of a one-after-another 会签; done and cancelled are final. */
export const TASK_STATUSES = ["open", "waiting", "done", "cancelled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TASK_ROLES = ["lead", "assist"] as const;
export type TaskRole = (typeof TASK_ROLES)[number];
export const TASK_OUTCOMES = [
  "approved",
  "returned",
  "transferred",
  "withdrawn",
  "removed",
  "superseded",
  "terminated",
  "read",
] as const;
export type TaskOutcome = (typeof TASK_OUTCOMES)[number];

/** One person's work at one node. */
export class Task extends Model<InferAttributes<Task>, InferCreationAttributes<Task>> {
  declare id: CreationOptional<number>;
  declare instanceId: number;
  declare nodeId: string;
  declare nodeName: string;
  declare action: string | null;
  declare kind: TaskKind;
  declare round: number;
  declare seq: CreationOptional<number>;
  /** Whom the node's rule chose. */
  declare ownerId: number;
  /** Who acts: the owner, or their delegate (委托) or whoever it was transferred to. */
  declare assigneeId: number;
  declare status: TaskStatus;
  /** 承办: the lead (主办) or an assisting (协办) handler; null elsewhere. */
  declare role: CreationOptional<TaskRole | null>;
  declare outcome: TaskOutcome | null;
  declare comment: string | null;
  declare dueAt: Date | null;
  declare remindAt: Date | null;
  declare remindedAt: Date | null;
  declare overdueNotifiedAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare completedAt: Date | null;

  static initModel(sequelize: Sequelize): void {
    Task.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        instanceId: { type: DataTypes.INTEGER, allowNull: false },
        nodeId: { type: DataTypes.STRING(64), allowNull: false },
        nodeName: { type: DataTypes.STRING(100), allowNull: false },
        action: { type: DataTypes.STRING(32), allowNull: true },
        kind: { type: DataTypes.STRING(8), allowNull: false },
        round: { type: DataTypes.INTEGER, allowNull: false },
        seq: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        ownerId: { type: DataTypes.INTEGER, allowNull: false },
        assigneeId: { type: DataTypes.INTEGER, allowNull: false },
        status: { type: DataTypes.STRING(16), allowNull: false },
        role: { type: DataTypes.STRING(8), allowNull: true },
        outcome: { type: DataTypes.STRING(16), allowNull: true },
        comment: { type: DataTypes.TEXT, allowNull: true },
        dueAt: { type: DataTypes.DATE, allowNull: true },
        remindAt: { type: DataTypes.DATE, allowNull: true },
        remindedAt: { type: DataTypes.DATE, allowNull: true },
        overdueNotifiedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        completedAt: { type: DataTypes.DATE, allowNull: true },
      },
      { sequelize, tableName: "oa_tasks", updatedAt: false },
    );
  }
}

export const HISTORY_ACTIONS = [
  "start",
  "submit",
  "approve",
  "return",
  "withdraw",
  "transfer",
  "addSigner",
  "removeSigner",
  "urge",
  "terminate",
  "read",
  "enter",
  "end",
] as const;
export type HistoryAction = (typeof HISTORY_ACTIONS)[number];

/** One operation on an instance, with its actor and comment. */
export class HistoryEntry extends Model<InferAttributes<HistoryEntry>, InferCreationAttributes<HistoryEntry>> {
  declare id: CreationOptional<number>;
  declare instanceId: number;
  declare taskId: number | null;
  declare nodeId: string | null;
  declare nodeName: string | null;
  declare action: HistoryAction;
  declare actorId: number | null;
  /** The owner a delegate acted for. */
  declare onBehalfOfId: number | null;
  declare comment: string | null;
  /** JSON text: targets of the operation (users added, the node returned to, …). */
  declare detail: string | null;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    HistoryEntry.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        instanceId: { type: DataTypes.INTEGER, allowNull: false },
        taskId: { type: DataTypes.INTEGER, allowNull: true },
        nodeId: { type: DataTypes.STRING(64), allowNull: true },
        nodeName: { type: DataTypes.STRING(100), allowNull: true },
        action: { type: DataTypes.STRING(16), allowNull: false },
        actorId: { type: DataTypes.INTEGER, allowNull: true },
        onBehalfOfId: { type: DataTypes.INTEGER, allowNull: true },
        comment: { type: DataTypes.TEXT, allowNull: true },
        detail: { type: DataTypes.TEXT, allowNull: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "oa_history", updatedAt: false },
    );
  }
}

/** A standing 委托: tasks the rule gives `fromUserId` between the dates go to `toUserId`. */
export class Delegation extends Model<InferAttributes<Delegation>, InferCreationAttributes<Delegation>> {
  declare id: CreationOptional<number>;
  declare fromUserId: number;
  declare toUserId: number;
  declare startsAt: Date;
  declare endsAt: Date;
  declare reason: string | null;
  declare revokedAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Delegation.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        fromUserId: { type: DataTypes.INTEGER, allowNull: false },
        toUserId: { type: DataTypes.INTEGER, allowNull: false },
        startsAt: { type: DataTypes.DATE, allowNull: false },
        endsAt: { type: DataTypes.DATE, allowNull: false },
        reason: { type: DataTypes.STRING(200), allowNull: true },
        revokedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "oa_delegations" },
    );
  }
}

export function initEngineModels(sequelize: Sequelize): void {
  for (const model of [Process, ProcessVersion, Instance, Task, HistoryEntry, Delegation]) model.initModel(sequelize);
}

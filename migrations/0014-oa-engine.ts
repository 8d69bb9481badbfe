import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * The workflow engine (server/oa/engine), independent of 公文.
 *
 * - `oa_processes`: a process definition's identity (key, name, category, the
 *   unit it was adapted for or null for the city-wide default); `oa_process_versions`
 *   holds each saved version's graph (JSON) and the BPMN 2.0 XML it was drawn
 *   as, so the designer shows the layout it was saved with. Saving makes a new
 *   version; an instance keeps the version it started on.
 * - `oa_instances`: one running process, tied to a business object
 *   (`businessType`, `businessId`). `rev` is bumped by every operation as its
 *   first statement, so operations on one instance run one after another on
 *   every database (the row lock on MariaDB, the write lock on SQLite).
 * - `oa_tasks`: one person's work at one node: `kind` "do" (to-do) or "read"
 *   (待阅, not blocking the flow); `ownerId` is whom the rule chose, `assigneeId`
 *   who acts (a delegate while a 委托 runs). The to-do list reads
 *   (assigneeId, kind, status, id).
 * - `oa_history`: every operation with its actor, on whose behalf and comment.
 * - `oa_delegations`: standing 委托 for a date range.
 */
export async function up({ context: q }: Migration): Promise<void> {
  const now = { type: DataTypes.DATE, allowNull: false };
  const long = q.sequelize.getDialect() === "sqlite" ? DataTypes.TEXT : DataTypes.TEXT("medium");
  const user = (allowNull: boolean) => ({
    type: DataTypes.INTEGER,
    allowNull,
    references: { model: "users", key: "id" },
  });

  await q.createTable("oa_processes", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    key: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    name: { type: DataTypes.STRING(100), allowNull: false },
    category: { type: DataTypes.STRING(16), allowNull: false },
    unitId: { type: DataTypes.INTEGER, allowNull: true, references: { model: "units", key: "id" } },
    latestVersion: { type: DataTypes.INTEGER, allowNull: false },
    enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    createdAt: now,
    updatedAt: now,
  });
  await q.addIndex("oa_processes", ["category", "unitId"]);

  await q.createTable("oa_process_versions", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    processId: {
      type: DataTypes.INTEGER,
      allowNull: false,
      references: { model: "oa_processes", key: "id" },
      onDelete: "CASCADE",
    },
    version: { type: DataTypes.INTEGER, allowNull: false },
    graph: { type: long, allowNull: false },
    bpmnXml: { type: long, allowNull: true },
    createdById: user(true),
    createdAt: now,
  });
  await q.addIndex("oa_process_versions", ["processId", "version"], { unique: true });

  await q.createTable("oa_instances", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    processVersionId: {
      type: DataTypes.INTEGER,
      allowNull: false,
      references: { model: "oa_process_versions", key: "id" },
    },
    businessType: { type: DataTypes.STRING(32), allowNull: false },
    businessId: { type: DataTypes.INTEGER, allowNull: false },
    drafterId: user(false),
    status: { type: DataTypes.STRING(16), allowNull: false },
    currentNodeId: { type: DataTypes.STRING(64), allowNull: true },
    form: { type: long, allowNull: false },
    rev: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    startedAt: now,
    endedAt: { type: DataTypes.DATE, allowNull: true },
    createdAt: now,
    updatedAt: now,
  });
  await q.addIndex("oa_instances", ["businessType", "businessId"]);

  await q.createTable("oa_tasks", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    instanceId: {
      type: DataTypes.INTEGER,
      allowNull: false,
      references: { model: "oa_instances", key: "id" },
    },
    nodeId: { type: DataTypes.STRING(64), allowNull: false },
    nodeName: { type: DataTypes.STRING(100), allowNull: false },
    action: { type: DataTypes.STRING(32), allowNull: true },
    kind: { type: DataTypes.STRING(8), allowNull: false },
    // Which visit of the node this task belongs to: a node entered again after a return is a new round.
    round: { type: DataTypes.INTEGER, allowNull: false },
    // Order within a one-after-another 会签; 0 elsewhere.
    seq: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ownerId: user(false),
    assigneeId: user(false),
    status: { type: DataTypes.STRING(16), allowNull: false },
    outcome: { type: DataTypes.STRING(16), allowNull: true },
    comment: { type: DataTypes.TEXT, allowNull: true },
    dueAt: { type: DataTypes.DATE, allowNull: true },
    remindAt: { type: DataTypes.DATE, allowNull: true },
    remindedAt: { type: DataTypes.DATE, allowNull: true },
    overdueNotifiedAt: { type: DataTypes.DATE, allowNull: true },
    createdAt: now,
    completedAt: { type: DataTypes.DATE, allowNull: true },
  });
  await q.addIndex("oa_tasks", ["assigneeId", "kind", "status", "id"], { name: "oa_tasks_inbox" });
  await q.addIndex("oa_tasks", ["instanceId", "status"], { name: "oa_tasks_instance" });
  await q.addIndex("oa_tasks", ["status", "remindAt"], { name: "oa_tasks_remind" });
  await q.addIndex("oa_tasks", ["status", "dueAt"], { name: "oa_tasks_due" });

  await q.createTable("oa_history", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    instanceId: {
      type: DataTypes.INTEGER,
      allowNull: false,
      references: { model: "oa_instances", key: "id" },
    },
    taskId: { type: DataTypes.INTEGER, allowNull: true },
    nodeId: { type: DataTypes.STRING(64), allowNull: true },
    nodeName: { type: DataTypes.STRING(100), allowNull: true },
    action: { type: DataTypes.STRING(16), allowNull: false },
    actorId: user(true),
    onBehalfOfId: user(true),
    comment: { type: DataTypes.TEXT, allowNull: true },
    detail: { type: DataTypes.TEXT, allowNull: true },
    createdAt: now,
  });
  await q.addIndex("oa_history", ["instanceId", "id"]);
  // 已办: what a person has done, newest first.
  await q.addIndex("oa_history", ["actorId", "id"]);

  await q.createTable("oa_delegations", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    fromUserId: user(false),
    toUserId: user(false),
    startsAt: now,
    endsAt: now,
    reason: { type: DataTypes.STRING(200), allowNull: true },
    revokedAt: { type: DataTypes.DATE, allowNull: true },
    createdAt: now,
    updatedAt: now,
  });
  await q.addIndex("oa_delegations", ["fromUserId", "endsAt"]);
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("oa_delegations");
  await q.dropTable("oa_history");
  await q.dropTable("oa_tasks");
  await q.dropTable("oa_instances");
  await q.dropTable("oa_process_versions");
  await q.dropTable("oa_processes");
}

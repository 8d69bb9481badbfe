import { Op, QueryTypes, type Transaction } from "sequelize";
import { Department, Position, User } from "../../org/models/index.js";
import { conflict } from "../../core/errors.js";
import { databaseOf, plainQuery } from "../../core/rows.js";
import type { AssigneeRule, TaskNode } from "./definition.js";

/** Whom a rule is resolved for: the instance's drafter, form and the previous actor's choice. */
export interface AssigneeContext {
  drafterId: number;
  /** The drafter's unit and department, read only for the rules that need them. */
  drafter(): Promise<{ id: number; unitId: number; departmentId: number | null }>;
  form: Readonly<Record<string, unknown>>;
  /** Users the previous actor chose for a "chosen" rule. */
  chosen?: readonly number[];
  /**
   * When given, the check of the accounts also finds who acts for each at
   * `delegatesAt` (a running 委托) and notes it in `delegates`, so that
   * withDelegates need not ask again.
   */
  delegatesAt?: Date;
  delegates?: Map<number, number | null>;
}

/** Holders of a role in exactly this unit (a grant given there, not one inherited from above). */
export async function roleHoldersIn(
  where: { roleCode?: string; permission?: string; unitId: number },
  transaction: Transaction,
): Promise<number[]> {
  const rows = await databaseOf(User).query<{ userId: number }>(
    `SELECT DISTINCT ra.userId AS userId
       FROM role_assignments ra
       JOIN roles r ON r.id = ra.roleId
       JOIN users u ON u.id = ra.userId
      WHERE ra.unitId = :unitId AND u.disabled = :no
        AND ${where.roleCode ? "r.code = :roleCode" : "EXISTS (SELECT 1 FROM role_permissions rp WHERE rp.roleId = r.id AND rp.permissionCode = :permission)"}
      ORDER BY ra.userId`,
    { replacements: { ...where, no: false }, type: QueryTypes.SELECT, transaction },
  );
  return rows.map((r) => Number(r.userId));
}

/**
 * The head of a department: the one set on the department, else its member
 * with the highest position (the earliest account on a tie). The drafter is
 * never their own reviewer: a head who drafts goes to the unit's leaders.
 */
async function departmentHead(ctx: AssigneeContext, transaction: Transaction): Promise<number[]> {
  const { departmentId } = await ctx.drafter();
  if (departmentId === null) return [];
  const department = await Department.findByPk(departmentId, { transaction });
  if (department?.headUserId && department.headUserId !== ctx.drafterId) {
    const head = await User.findByPk(department.headUserId, { transaction });
    if (head && !head.disabled) return [head.id];
  }
  const members = await User.findAll({
    where: { departmentId, disabled: false, id: { [Op.ne]: ctx.drafterId } },
    include: [{ model: Position, as: "position", required: true }],
    transaction,
  });
  members.sort((a, b) => (b.position?.rank ?? 0) - (a.position?.rank ?? 0) || a.id - b.id);
  const drafter = await User.findByPk(ctx.drafterId, {
    include: [{ model: Position, as: "position" }],
    transaction,
  });
  const top = members[0];
  // Nobody in the department outranks the drafter: the head drafted it themselves.
  if (!top || (top.position?.rank ?? 0) <= (drafter?.position?.rank ?? 0)) return [];
  return [top.id];
}

function idsOf(value: unknown): number[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map(Number).filter((n) => Number.isInteger(n) && n > 0);
}

/** The users a rule names, before delegation; active accounts only, in a stable order. */
export async function resolveRule(
  rule: AssigneeRule,
  ctx: AssigneeContext,
  transaction: Transaction,
): Promise<number[]> {
  let ids: number[];
  switch (rule.kind) {
    case "users":
      ids = rule.userIds;
      break;
    case "drafter":
      ids = [ctx.drafterId];
      break;
    case "chosen":
      ids = [...(ctx.chosen ?? [])];
      break;
    case "field":
      ids = idsOf(ctx.form[rule.field]);
      break;
    case "unitLeader":
      ids = await roleHoldersIn({ permission: "oa.document.sign", unitId: (await ctx.drafter()).unitId }, transaction);
      break;
    case "departmentHead":
      ids = await departmentHead(ctx, transaction);
      if (!ids.length)
        ids = await roleHoldersIn(
          { permission: "oa.document.sign", unitId: (await ctx.drafter()).unitId },
          transaction,
        );
      break;
    case "role": {
      const unitId = rule.within === "unit" ? rule.unitId : (await ctx.drafter()).unitId;
      if (!unitId) return [];
      ids = await roleHoldersIn({ roleCode: rule.roleCode, unitId }, transaction);
      if (rule.within === "drafterDepartment") {
        const inDepartment = await User.findAll({
          where: { id: ids, departmentId: (await ctx.drafter()).departmentId },
          attributes: ["id"],
          transaction,
        });
        const keep = new Set(inDepartment.map((u) => u.id));
        ids = ids.filter((id) => keep.has(id));
      }
      break;
    }
  }
  const unique = [...new Set(ids)];
  if (!unique.length) return [];
  if (ctx.delegatesAt && ctx.delegates) {
    // One statement for both questions: each active account with its newest running delegation, if any.
    const { rows } = await plainQuery(
      databaseOf(User),
      `SELECT u.id AS id, d.toUserId AS toUserId
         FROM users u
         LEFT JOIN oa_delegations d
           ON d.fromUserId = u.id AND d.revokedAt IS NULL AND d.startsAt <= ? AND d.endsAt > ?
        WHERE u.id IN (?) AND u.disabled = ?
        ORDER BY u.id, d.id DESC`,
      [ctx.delegatesAt, ctx.delegatesAt, unique, false],
      transaction,
    );
    for (const row of rows) {
      const id = Number(row.id);
      if (!ctx.delegates.has(id)) ctx.delegates.set(id, row.toUserId === null ? null : Number(row.toUserId));
    }
    return unique.filter((id) => ctx.delegates!.has(id));
  }
  const active = await databaseOf(User).query<{ id: number }>(
    "SELECT id FROM users WHERE id IN (:ids) AND disabled = :no",
    {
      replacements: { ids: unique, no: false },
      type: QueryTypes.SELECT,
      transaction,
    },
  );
  const keep = new Set(active.map((u) => Number(u.id)));
  return unique.filter((id) => keep.has(id));
}

/** Each owner with whoever acts for them now: their delegate while a 委托 runs, else themselves. */
export async function withDelegates(
  owners: readonly number[],
  at: Date,
  transaction: Transaction,
  /** Whether this delegate may do the owner's task here; a task they may not do stays with its owner. */
  mayAct: (delegateId: number) => Promise<boolean> = async () => true,
  /** Delegates already found for these owners at `at` (resolveRule with delegatesAt): then none are asked for. */
  known?: ReadonlyMap<number, number | null>,
): Promise<{ ownerId: number; assigneeId: number }[]> {
  if (!owners.length) return [];
  const delegateOf =
    known && owners.every((id) => known.has(id)) ? known : await runningDelegations(owners, at, transaction);
  const people: { ownerId: number; assigneeId: number }[] = [];
  for (const ownerId of owners) {
    const delegate = delegateOf.get(ownerId) ?? null;
    people.push({ ownerId, assigneeId: delegate !== null && (await mayAct(delegate)) ? delegate : ownerId });
  }
  return people;
}

/** Who acts for each owner at `at`: the newest running delegation wins. */
async function runningDelegations(
  owners: readonly number[],
  at: Date,
  transaction: Transaction,
): Promise<Map<number, number>> {
  // Every approval may ask this: a plain statement (see core/rows.ts), not findAll.
  const running = await databaseOf(User).query<{ fromUserId: number; toUserId: number }>(
    `SELECT fromUserId, toUserId FROM oa_delegations
      WHERE fromUserId IN (:owners) AND revokedAt IS NULL AND startsAt <= :at AND endsAt > :at
      ORDER BY id DESC`,
    { replacements: { owners: [...owners], at }, type: QueryTypes.SELECT, transaction },
  );
  const delegateOf = new Map<number, number>();
  // One level only, so two people on leave cannot pass work in a circle.
  for (const d of running) {
    if (!delegateOf.has(Number(d.fromUserId))) delegateOf.set(Number(d.fromUserId), Number(d.toUserId));
  }
  return delegateOf;
}

/** The owners of a task node's tasks, or 409 naming the node when its rule finds nobody. */
export async function assigneesFor(node: TaskNode, ctx: AssigneeContext, transaction: Transaction): Promise<number[]> {
  const owners = await resolveRule(node.assignee, ctx, transaction);
  if (owners.length) return owners;
  if (node.assignee.kind === "chosen") {
    throw conflict("assignee_required", `Choose who handles ${node.name}`, { nodeId: node.id, nodeName: node.name });
  }
  throw conflict(
    "no_assignee",
    `Nobody is found to handle ${node.name}: ask the OA administrator to check the process or the organisation`,
    { nodeId: node.id, nodeName: node.name },
  );
}

/**
 * Refuses people who cannot take OA work: no such account, disabled, or
 * without `oa.use` (the 三员, say). Work given to them would wait forever.
 */
export async function requireOaUsers(userIds: readonly number[], transaction: Transaction): Promise<void> {
  const ids = [...new Set(userIds)];
  if (!ids.length) return;
  const rows = await databaseOf(User).query<{ userId: number }>(
    `SELECT DISTINCT u.id AS userId
       FROM users u
       JOIN role_assignments ra ON ra.userId = u.id
       JOIN role_permissions rp ON rp.roleId = ra.roleId AND rp.permissionCode = 'oa.use'
      WHERE u.id IN (:ids) AND u.disabled = :no`,
    { replacements: { ids, no: false }, type: QueryTypes.SELECT, transaction },
  );
  const able = new Set(rows.map((r) => Number(r.userId)));
  const missing = ids.filter((id) => !able.has(id));
  if (missing.length) {
    throw conflict(
      "user_unavailable",
      "Some of these people cannot take OA work (no such account, disabled, or without the OA)",
      {
        userIds: missing,
      },
    );
  }
}

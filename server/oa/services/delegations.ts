import { Op, QueryTypes, type Transaction } from "sequelize";
import type { Actor } from "../../core/actor.js";
import { badRequest, conflict, notFound } from "../../core/errors.js";
import { User } from "../../org/models/index.js";
import { notify } from "../../notify/services/notifier.js";
import { Delegation, Task } from "../models/engine.js";
import { OaDocument } from "../models/document.js";
import { requireOaUsers, roleHoldersIn } from "../engine/assignees.js";

/**
 * 委托: while someone is away, the tasks the process gives them go to a
 * colleague, who acts on their behalf (the history says so). Optionally the
 * open tasks they already have move over too. One level only: a delegate's
 * own delegation does not pass the work on again (engine/assignees.ts).
 * 签发 goes to a delegate only where they may sign themselves (a deputy
 * leader of that unit; documents.ts's delegationRule): a leader who delegates
 * to anyone else keeps their 签发 tasks, open ones included, and is told so.
 */
export async function createDelegation(
  actor: Actor,
  props: { toUserId: number; startsAt: Date; endsAt: Date; reason: string | null; moveOpenTasks: boolean },
  t: Transaction,
): Promise<{ delegation: Delegation; moved: number; kept: number; signStaysWithOwner: boolean }> {
  if (props.toUserId === actor.id) throw badRequest("delegate_to_self", "Choose someone else to act for you");
  if (props.endsAt <= props.startsAt) throw badRequest("delegation_dates", "The end must come after the start");
  if (props.endsAt <= new Date()) throw badRequest("delegation_dates", "The end must be in the future");
  await requireOaUsers([props.toUserId], t);
  const to = await User.findByPk(props.toUserId, { transaction: t });
  if (!to) throw conflict("user_unavailable", "That person cannot take tasks (no such account, or disabled)");
  const overlapping = await Delegation.findOne({
    where: {
      fromUserId: actor.id,
      revokedAt: null,
      startsAt: { [Op.lt]: props.endsAt },
      endsAt: { [Op.gt]: props.startsAt },
    },
    transaction: t,
  });
  if (overlapping)
    throw conflict("delegation_overlaps", "You already have a delegation for part of this time; revoke it first");
  const delegation = await Delegation.create(
    {
      fromUserId: actor.id,
      toUserId: to.id,
      startsAt: props.startsAt,
      endsAt: props.endsAt,
      reason: props.reason,
      revokedAt: null,
    },
    { transaction: t },
  );
  // The units where the actor signs and the delegate may not: their 签发 stays with the actor.
  const signingUnits = actor.scopeOf("oa.document.sign");
  const signerIn = new Map<number, boolean>();
  const delegateSignsIn = async (unitId: number) => {
    if (!signerIn.has(unitId)) {
      signerIn.set(unitId, (await roleHoldersIn({ permission: "oa.document.sign", unitId }, t)).includes(to.id));
    }
    return signerIn.get(unitId)!;
  };
  const signs = signingUnits === "all" || signingUnits.length > 0;
  const signStaysWithOwner = signs && !(await delegateSignsIn(actor.user.unitId));
  let moved = 0;
  let kept = 0;
  if (props.moveOpenTasks && props.startsAt <= new Date()) {
    const open = await Task.findAll({
      where: { assigneeId: actor.id, ownerId: actor.id, status: "open", kind: "do" },
      attributes: ["id", "action"],
      transaction: t,
    });
    const signing = open.filter((task) => task.action === "sign").map((task) => task.id);
    const unitOf = new Map<number, number>();
    if (signing.length) {
      const rows = await OaDocument.sequelize!.query<{ taskId: number; unitId: number }>(
        `SELECT t.id AS taskId, d.unitId AS unitId
           FROM oa_tasks t
           JOIN oa_instances i ON i.id = t.instanceId AND i.businessType = 'document'
           JOIN oa_documents d ON d.id = i.businessId
          WHERE t.id IN (:ids)`,
        { replacements: { ids: signing }, type: QueryTypes.SELECT, transaction: t },
      );
      for (const row of rows) unitOf.set(Number(row.taskId), Number(row.unitId));
    }
    const movable: number[] = [];
    for (const task of open) {
      const unitId = unitOf.get(task.id);
      if (unitId !== undefined && !(await delegateSignsIn(unitId))) kept += 1;
      else movable.push(task.id);
    }
    if (movable.length) [moved] = await Task.update({ assigneeId: to.id }, { where: { id: movable }, transaction: t });
  }
  await notify(
    {
      recipients: [to.id],
      kind: "oa.delegation.started",
      params: { fromName: actor.user.displayName, startsAt: props.startsAt, endsAt: props.endsAt },
      link: "/oa/todo",
      actorId: actor.id,
    },
    t,
  );
  return { delegation, moved, kept, signStaysWithOwner };
}

/** Ends a delegation now; tasks already given to the delegate stay with them. */
export async function revokeDelegation(actor: Actor, id: number, t: Transaction): Promise<Delegation> {
  const delegation = await Delegation.findByPk(id, { transaction: t });
  if (!delegation || delegation.fromUserId !== actor.id) throw notFound("Delegation");
  if (delegation.revokedAt) throw conflict("delegation_revoked", "This delegation has already been revoked");
  delegation.revokedAt = new Date();
  await delegation.save({ transaction: t });
  return delegation;
}

export function delegationsOf(userId: number): Promise<Delegation[]> {
  return Delegation.findAll({
    where: { [Op.or]: [{ fromUserId: userId }, { toUserId: userId }] },
    order: [["id", "DESC"]],
    limit: 200,
  });
}

import { Op, type Transaction } from "sequelize";
import type { Actor } from "../../core/actor.js";
import { badRequest, conflict, notFound } from "../../core/errors.js";
import { User } from "../../org/models/index.js";
import { notify } from "../../notify/services/notifier.js";
import { Delegation, Task } from "../models/engine.js";
import { requireOaUsers } from "../engine/assignees.js";

/**
 * 委托: while someone is away, the tasks the process gives them go to a
 * colleague, who acts on their behalf (the history says so). Optionally the
 * open tasks they already have move over too. One level only: a delegate's
 * own delegation does not pass the work on again (engine/assignees.ts).
 */
export async function createDelegation(
  actor: Actor,
  props: { toUserId: number; startsAt: Date; endsAt: Date; reason: string | null; moveOpenTasks: boolean },
  t: Transaction,
): Promise<{ delegation: Delegation; moved: number }> {
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
  let moved = 0;
  if (props.moveOpenTasks && props.startsAt <= new Date()) {
    [moved] = await Task.update(
      { assigneeId: to.id },
      { where: { assigneeId: actor.id, ownerId: actor.id, status: "open", kind: "do" }, transaction: t },
    );
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
  return { delegation, moved };
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

import { Op, type Transaction } from "sequelize";
import type { Actor } from "../../core/actor.js";
import { HistoryEntry, Task } from "../models/engine.js";
import type { OaDocument } from "../models/document.js";

/**
 * Who sees a 公文 and its files: the people in its process (its drafter,
 * anyone who has or had a task on it, anyone who acted on it), the registrars
 * (文书) of its unit, and the supervisors (督办) of its unit. Nobody else, not
 * even other staff of the unit: a request for it answers 404, as for a
 * document that does not exist.
 */
export async function isParticipant(doc: OaDocument, actorId: number, t?: Transaction): Promise<boolean> {
  if (doc.drafterId === actorId) return true;
  if (!doc.instanceId) return false;
  const task = await Task.findOne({
    where: { instanceId: doc.instanceId, [Op.or]: [{ assigneeId: actorId }, { ownerId: actorId }] },
    attributes: ["id"],
    transaction: t,
  });
  if (task) return true;
  const acted = await HistoryEntry.findOne({
    where: { instanceId: doc.instanceId, actorId },
    attributes: ["id"],
    transaction: t,
  });
  return acted !== null;
}

export const documentPolicy = {
  /** The OA's lists and drafting: every member of staff with the OA. */
  use: (actor: Actor) => actor.can("oa.use"),
  register: (actor: Actor, unit: { path: string }) => actor.can("oa.document.register", unit),
  supervise: (actor: Actor, unit: { path: string }) => actor.can("oa.supervise", unit),
  /** Ends a process at once: an OA administrator of the document's unit. */
  terminate: (actor: Actor, unit: { path: string }) => actor.can("oa.process.manage", unit),
  async read(actor: Actor, doc: OaDocument, unit: { path: string }, t?: Transaction): Promise<boolean> {
    if (!actor.can("oa.use")) return false;
    if (documentPolicy.register(actor, unit) || documentPolicy.supervise(actor, unit)) return true;
    return isParticipant(doc, actor.id, t);
  },
};

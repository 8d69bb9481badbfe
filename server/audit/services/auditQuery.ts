import { Op, type WhereOptions } from "sequelize";
import { likeSafe } from "../../core/db.js";
import { AuditEvent, type AuditOutcome } from "../models/auditEvent.js";

export interface AuditFilter {
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  from?: string;
  to?: string;
}

export function auditWhere(filter: AuditFilter): WhereOptions<AuditEvent> {
  const and: WhereOptions<AuditEvent>[] = [];
  if (filter.actor) and.push({ actorName: { [Op.like]: `%${likeSafe(filter.actor)}%` } });
  if (filter.action) and.push({ action: filter.action });
  if (filter.outcome) and.push({ outcome: filter.outcome });
  if (filter.from) and.push({ at: { [Op.gte]: new Date(filter.from) } });
  if (filter.to) and.push({ at: { [Op.lte]: new Date(filter.to) } });
  return { [Op.and]: and };
}

export function presentAuditEvent(e: AuditEvent) {
  return {
    seq: e.seq,
    at: e.at.toISOString(),
    actorId: e.actorId,
    actorName: e.actorName,
    ip: e.ip,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    outcome: e.outcome,
    detail: e.detail ? (JSON.parse(e.detail) as unknown) : null,
  };
}

/** Streams matching events in seq order, a batch at a time, for exports of any size. */
export async function* auditEventsInBatches(filter: AuditFilter, batchSize = 2000): AsyncGenerator<AuditEvent[]> {
  let after = 0;
  for (;;) {
    const batch = await AuditEvent.findAll({
      where: { [Op.and]: [auditWhere(filter), { seq: { [Op.gt]: after } }] },
      order: [["seq", "ASC"]],
      limit: batchSize,
    });
    if (batch.length === 0) return;
    yield batch;
    after = batch[batch.length - 1]?.seq ?? after;
    if (batch.length < batchSize) return;
  }
}

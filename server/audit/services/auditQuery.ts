import { Op, type WhereOptions } from "sequelize";
import { likeSafe } from "../../core/db.js";
import { AuditEvent, type AuditOutcome } from "../models/auditEvent.js";

export interface AuditFilter {
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  /** A date (YYYY-MM-DD, a whole day in the auditor's time zone) or an instant with its offset. */
  from?: string;
  to?: string;
  /** Routine administrator page views: left out, shown as well, or shown alone. Unset = everything. */
  routine?: "exclude" | "include" | "only";
}

/**
 * The auditors' time zone: Asia/Shanghai, UTC+8 all year (China has had no
 * daylight saving time since 1991), so a date means the same 24 hours everywhere.
 */
export const AUDIT_UTC_OFFSET = "+08:00";
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

const startOf = (value: string) => new Date(DATE_ONLY.test(value) ? `${value}T00:00:00${AUDIT_UTC_OFFSET}` : value);

/**
 * Routine = an administrator's request that changed nothing and was allowed
 * (page views, mostly); 三员 auditing records every one, so they would bury the
 * changes. Denied and failed requests are never routine.
 */
const ROUTINE = { action: "admin.request", outcome: "success" } as const;

export const isRoutine = (e: Pick<AuditEvent, "action" | "outcome">) =>
  e.action === ROUTINE.action && e.outcome === ROUTINE.outcome;

export function auditWhere(filter: AuditFilter): WhereOptions<AuditEvent> {
  const and: WhereOptions<AuditEvent>[] = [];
  if (filter.actor) and.push({ actorName: { [Op.like]: `%${likeSafe(filter.actor)}%` } });
  if (filter.action) and.push({ action: filter.action });
  if (filter.outcome) and.push({ outcome: filter.outcome });
  if (filter.from) and.push({ at: { [Op.gte]: startOf(filter.from) } });
  if (filter.to) {
    // A date as the end of a range means up to the end of that day, so from = to = one date is that day.
    if (DATE_ONLY.test(filter.to)) and.push({ at: { [Op.lt]: new Date(startOf(filter.to).getTime() + DAY_MS) } });
    else and.push({ at: { [Op.lte]: new Date(filter.to) } });
  }
  // Asking for one action by name shows it whatever the routine switch says.
  if (!filter.action && filter.routine === "exclude") and.push({ [Op.not]: ROUTINE });
  if (!filter.action && filter.routine === "only") and.push(ROUTINE);
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

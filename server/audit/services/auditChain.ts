import { createHash } from "node:crypto";
import type { Sequelize, Transaction } from "sequelize";
import { AuditEvent, AuditHead, type AuditOutcome } from "../models/auditEvent.js";
import { auditEventsInBatches } from "./auditQuery.js";

export const GENESIS_HASH = "0".repeat(64);

export interface AuditEntry {
  action: string;
  outcome: AuditOutcome;
  actorId?: number | null;
  actorName?: string | null;
  ip?: string | null;
  targetType?: string | null;
  targetId?: string | number | null;
  detail?: Record<string, unknown> | null;
}

type Hashable = Pick<
  AuditEvent,
  | "seq"
  | "at"
  | "actorId"
  | "actorName"
  | "ip"
  | "action"
  | "targetType"
  | "targetId"
  | "outcome"
  | "detail"
  | "prevHash"
>;

/** The hash covers every column but itself, in a fixed order. */
export function hashEvent(event: Hashable): string {
  const canonical = JSON.stringify([
    Number(event.seq),
    event.at.toISOString(),
    event.actorId,
    event.actorName,
    event.ip,
    event.action,
    event.targetType,
    event.targetId,
    event.outcome,
    event.detail,
    event.prevHash,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * Appends one event. The head row is locked (FOR UPDATE on MariaDB; SQLite's
 * IMMEDIATE transaction holds the write lock), so appends from any number of
 * app instances form one linear, gap-free chain. Pass the caller's transaction
 * to make the event commit or roll back with the change it records.
 */
export async function appendAuditEvent(
  sequelize: Sequelize,
  entry: AuditEntry,
  transaction?: Transaction,
): Promise<AuditEvent> {
  const run = async (t: Transaction) => {
    const head = await AuditHead.findByPk(1, { transaction: t, lock: t.LOCK.UPDATE });
    if (!head) throw new Error("audit_head row is missing: run the migrations");
    const at = new Date();
    const draft: Hashable = {
      seq: head.seq + 1,
      at,
      actorId: entry.actorId ?? null,
      actorName: entry.actorName ?? null,
      ip: entry.ip ?? null,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId === undefined || entry.targetId === null ? null : String(entry.targetId),
      outcome: entry.outcome,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
      prevHash: head.hash,
    };
    const hash = hashEvent(draft);
    const event = await AuditEvent.create({ ...draft, hash }, { transaction: t });
    await AuditHead.update({ seq: draft.seq, hash }, { where: { id: 1 }, transaction: t });
    return event;
  };
  return transaction ? run(transaction) : sequelize.transaction(run);
}

export type ChainProblemKind = "edited" | "missing" | "broken_link" | "truncated";

export interface ChainReport {
  ok: boolean;
  checked: number;
  problem?: { seq: number; kind: ChainProblemKind; message: string };
}

/** Walks the whole chain in batches; reports the first break it finds. */
export async function verifyAuditChain(batchSize = 2000): Promise<ChainReport> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for await (const batch of auditEventsInBatches({}, batchSize)) {
    for (const event of batch) {
      if (event.seq !== expectedSeq) {
        return fail(checked, expectedSeq, "missing", `event ${expectedSeq} is missing (next present is ${event.seq})`);
      }
      if (event.prevHash !== prevHash) {
        return fail(checked, event.seq, "broken_link", `event ${event.seq} does not follow event ${event.seq - 1}`);
      }
      if (hashEvent(event) !== event.hash) {
        return fail(checked, event.seq, "edited", `event ${event.seq} was changed after it was written`);
      }
      prevHash = event.hash;
      expectedSeq += 1;
      checked += 1;
    }
  }
  const head = await AuditHead.findByPk(1);
  const lastSeq = expectedSeq - 1;
  if (!head || head.seq !== lastSeq || head.hash !== prevHash) {
    return fail(
      checked,
      head?.seq ?? lastSeq,
      "truncated",
      `the log ends at event ${lastSeq} but ${head?.seq ?? "?"} events were written`,
    );
  }
  return { ok: true, checked };
}

function fail(checked: number, seq: number, kind: ChainProblemKind, message: string): ChainReport {
  return { ok: false, checked, problem: { seq, kind, message } };
}

import { createHash, createHmac, randomUUID } from "node:crypto";
import { Op, QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { insertRows } from "../../core/rows.js";
import { AuditEvent, AuditHead, AuditPending, type AuditOutcome } from "../models/auditEvent.js";
import { otherChains, readCheckpoints, writeCheckpoint, type AuditAnchor, type Checkpoint } from "./auditAnchor.js";

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
  /** When it happened, if not now (events recorded after the fact, e.g. from a buffer). */
  at?: Date;
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

/** Every column but the hash, in a fixed order. */
function canonical(event: Hashable): string {
  return JSON.stringify([
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
}

/**
 * The hash events had before the chain was keyed: anyone can recompute it,
 * which is why a rewritten table used to verify as intact. Still checked for
 * the events written before the upgrade; the first keyed event seals them.
 */
export function unkeyedEventHash(event: Hashable): string {
  return createHash("sha256").update(canonical(event)).digest("hex");
}

/** The hash of every event since the chain was sealed: an HMAC only the key holder can compute. */
export function keyedEventHash(event: Hashable, key: Buffer): string {
  return createHmac("sha256", key).update(canonical(event)).digest("hex");
}

let anchor: AuditAnchor | null = null;

/** Set once at start (prepareDatabase), before anything is appended or verified. */
export function useAuditAnchor(value: AuditAnchor): void {
  anchor = value;
}

function requireAnchor(): AuditAnchor {
  if (!anchor) throw new Error("the audit key is not loaded: call prepareDatabase() (or useAuditAnchor) first");
  return anchor;
}

/** An event as appended: its columns, hash included. */
export type AppendedEvent = Hashable & { hash: string };

/** An event's columns as stored, before the chain gives it seq, prevHash and hash. */
type Unchained = Omit<Hashable, "seq" | "prevHash">;

function unchained(entry: AuditEntry): Unchained {
  return {
    at: entry.at ?? new Date(),
    actorId: entry.actorId ?? null,
    actorName: entry.actorName ?? null,
    ip: entry.ip ?? null,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId === undefined || entry.targetId === null ? null : String(entry.targetId),
    outcome: entry.outcome,
    detail: entry.detail ? JSON.stringify(entry.detail) : null,
  };
}

/**
 * Appends events after `head` (locked by the caller) and moves the head. The
 * rows go in as one INSERT typed by the model's attributes, without building
 * and validating a model instance per event: a batch of buffered 三员 page
 * views holds hundreds of them.
 */
async function appendLocked(
  t: Transaction,
  head: AuditHead,
  events: Unchained[],
  key: Buffer,
  chainId: string,
): Promise<AppendedEvent[]> {
  let seq = head.seq;
  let prevHash = head.hash;
  const rows = events.map((event) => {
    seq += 1;
    const draft: Hashable = { ...event, seq, prevHash };
    prevHash = keyedEventHash(draft, key);
    return { ...draft, hash: prevHash };
  });
  const sequelize = AuditEvent.sequelize;
  if (!sequelize) throw new Error("models are not initialised");
  await sequelize
    .getQueryInterface()
    .bulkInsert(AuditEvent.getTableName(), rows, { transaction: t }, AuditEvent.getAttributes());
  await AuditHead.update({ seq, hash: prevHash, chainId }, { where: { id: 1 }, transaction: t });
  return rows;
}

/**
 * Appends events as one run of the chain. The head row is locked (FOR UPDATE
 * on MariaDB; SQLite's IMMEDIATE transaction holds the write lock), so appends
 * from any number of app instances form one linear, gap-free chain. Pass the
 * caller's transaction to make the events commit or roll back with the change
 * they record.
 */
export async function appendAuditEvents(
  sequelize: Sequelize,
  entries: AuditEntry[],
  transaction?: Transaction,
): Promise<AppendedEvent[]> {
  const { key } = requireAnchor();
  if (entries.length === 0) return [];
  const run = async (t: Transaction) => {
    const head = await AuditHead.findByPk(1, { transaction: t, lock: t.LOCK.UPDATE });
    if (!head) throw new Error("audit_head row is missing: run the migrations");
    // Keyed events before the seal would be taken for unkeyed ones and fail verification.
    if (!head.chainId) throw new Error("the audit chain is not sealed yet: prepareDatabase() seals it");
    return appendLocked(t, head, entries.map(unchained), key, head.chainId);
  };
  return transaction ? run(transaction) : sequelize.transaction(run);
}

/**
 * Records events of a change in its own transaction, without waiting for the
 * chain's head (on MariaDB): they go to audit_pending with one INSERT, and
 * right after the commit the events waiting there are chained
 * (chainPendingAuditEvents; the commit waits for it, so whoever reads the log
 * next finds them). A change that rolls back leaves no event; one that commits
 * always leaves its event, chained then, or by the periodic run of any
 * instance if chaining failed. Without a transaction, and on SQLite, the
 * events are chained at once.
 */
export async function recordAuditEvents(
  sequelize: Sequelize,
  entries: AuditEntry[],
  transaction?: Transaction,
): Promise<void> {
  requireAnchor();
  if (entries.length === 0) return;
  // SQLite runs one writing transaction at a time anyway (core/db.ts queues them), so the head's lock costs
  // nothing there, and a chaining transaction started from inside the queue would wait for itself.
  if (!transaction || sequelize.getDialect() === "sqlite") {
    await appendAuditEvents(sequelize, entries, transaction);
    return;
  }
  await insertRows(AuditPending, entries.map(unchained), transaction);
  transaction.afterCommit(() =>
    chainPendingAuditEvents(sequelize).then(
      () => undefined,
      (err: unknown) => reportChainError(err),
    ),
  );
}

/** Records one event; see recordAuditEvents. */
export function recordAuditEvent(sequelize: Sequelize, entry: AuditEntry, transaction?: Transaction): Promise<void> {
  return recordAuditEvents(sequelize, [entry], transaction);
}

let reportChainError: (err: unknown) => void = (err) => console.error("chaining audit events failed", err);

/** Where a failure to chain after a commit is reported (the change has committed; its event waits for the next run). */
export function onAuditChainError(report: (err: unknown) => void): void {
  reportChainError = report;
}

const PENDING_BATCH = 500;

/** Per database: the run of chainPendingAuditEvents going on, and the one asked for after it. */
const chainers = new WeakMap<Sequelize, { running: Promise<number> | null; next: Promise<number> | null }>();

/**
 * Chains the events waiting in audit_pending, oldest first, in batches under
 * the head's lock, and answers how many. Calls while a run is going on share
 * one further run (the running one may have read the table before their
 * events committed), so a burst of commits is chained in a few batches.
 * Safe with several instances: the head's lock makes their runs take turns.
 */
export function chainPendingAuditEvents(sequelize: Sequelize): Promise<number> {
  let state = chainers.get(sequelize);
  if (!state) {
    state = { running: null, next: null };
    chainers.set(sequelize, state);
  }
  const s = state;
  if (!s.running) {
    s.running = chainAll(sequelize).finally(() => {
      s.running = null;
    });
    return s.running;
  }
  s.next ??= s.running
    .catch(() => 0)
    .then(() => {
      s.next = null;
      return chainPendingAuditEvents(sequelize);
    });
  return s.next;
}

async function chainAll(sequelize: Sequelize): Promise<number> {
  let total = 0;
  for (;;) {
    const chained = await chainBatch(sequelize);
    total += chained;
    if (chained < PENDING_BATCH) return total;
  }
}

async function chainBatch(sequelize: Sequelize): Promise<number> {
  const { key } = requireAnchor();
  // Usually another run (of this instance or another) got there first: then no lock is taken.
  const waiting = await sequelize.query("SELECT id FROM audit_pending ORDER BY id LIMIT 1", {
    type: QueryTypes.SELECT,
  });
  if (waiting.length === 0) return 0;
  return sequelize.transaction(async (t) => {
    const head = await AuditHead.findByPk(1, { transaction: t, lock: t.LOCK.UPDATE });
    if (!head) throw new Error("audit_head row is missing: run the migrations");
    if (!head.chainId) throw new Error("the audit chain is not sealed yet: prepareDatabase() seals it");
    // Read under the head's lock: a run that chained and deleted events before has committed.
    const pending = await AuditPending.findAll({ order: [["id", "ASC"]], limit: PENDING_BATCH, transaction: t });
    if (pending.length === 0) return 0;
    await appendLocked(
      t,
      head,
      pending.map((p) => ({
        at: p.at,
        actorId: p.actorId,
        actorName: p.actorName,
        ip: p.ip,
        action: p.action,
        targetType: p.targetType,
        targetId: p.targetId,
        outcome: p.outcome,
        detail: p.detail,
      })),
      key,
      head.chainId,
    );
    await AuditPending.destroy({ where: { id: pending.map((p) => p.id) }, transaction: t });
    return pending.length;
  });
}

/** Appends one event; see appendAuditEvents. */
export async function appendAuditEvent(
  sequelize: Sequelize,
  entry: AuditEntry,
  transaction?: Transaction,
): Promise<AppendedEvent> {
  const [event] = await appendAuditEvents(sequelize, [entry], transaction);
  if (!event) throw new Error("no audit event was appended");
  return event;
}

/**
 * First start with a key: names the chain, appends an `audit.chain.sealed`
 * event (the first keyed one; it chains onto the newest unkeyed event, so the
 * history before the upgrade is covered too, unchanged) and writes the first
 * checkpoint. Nothing happens when the chain is already sealed.
 */
export async function sealAuditChain(sequelize: Sequelize): Promise<{ sealed: boolean; chainId: string }> {
  const a = requireAnchor();
  return sequelize.transaction(async (t) => {
    const head = await AuditHead.findByPk(1, { transaction: t, lock: t.LOCK.UPDATE });
    if (!head) throw new Error("audit_head row is missing: run the migrations");
    if (head.chainId) return { sealed: false, chainId: head.chainId };
    const chainId = randomUUID();
    const [event] = await appendLocked(
      t,
      head,
      [
        unchained({
          action: "audit.chain.sealed",
          outcome: "success",
          actorName: "system",
          targetType: "audit",
          targetId: chainId,
          detail: { unkeyedEvents: head.seq, keyId: a.keyId, replacedChains: await otherChains(a, chainId) },
        }),
      ],
      a.key,
      chainId,
    );
    if (!event) throw new Error("the seal event was not written");
    // On disk before the seal commits: a crash in between leaves an unused file, never a sealed chain without anchor.
    await writeCheckpoint(a, { chain: chainId, keyedFrom: event.seq, seq: event.seq, hash: event.hash });
    lastCheckpoint = { chain: chainId, keyedFrom: event.seq, seq: event.seq };
    return { sealed: true, chainId };
  });
}

let lastCheckpoint: { chain: string; keyedFrom: number; seq: number } | null = null;

/**
 * Writes a checkpoint of the current head when the chain grew since the last
 * one this process wrote. Called periodically and at shutdown (see startServer).
 */
export async function checkpointAuditChain(): Promise<boolean> {
  const a = requireAnchor();
  const head = await AuditHead.findByPk(1);
  if (!head?.chainId) return false;
  if (lastCheckpoint?.chain !== head.chainId) {
    const reading = await readCheckpoints(a, head.chainId);
    // Never start a file for a chain this process did not seal: a missing file is for verify to report.
    if (reading.status !== "ok") return false;
    const first = reading.checkpoints[0];
    const newest = Math.max(...reading.checkpoints.map((c) => c.seq));
    if (!first) return false;
    lastCheckpoint = { chain: head.chainId, keyedFrom: first.keyedFrom, seq: newest };
  }
  if (head.seq <= lastCheckpoint.seq) return false;
  await writeCheckpoint(a, {
    chain: head.chainId,
    keyedFrom: lastCheckpoint.keyedFrom,
    seq: head.seq,
    hash: head.hash,
  });
  lastCheckpoint = { ...lastCheckpoint, seq: head.seq };
  return true;
}

export type ChainProblemKind =
  | "edited"
  | "missing"
  | "broken_link"
  | "truncated"
  | "emptied"
  | "replaced"
  | "unanchored"
  | "forged_checkpoint"
  | "wrong_key";

export interface ChainReport {
  ok: boolean;
  checked: number;
  /** Signed checkpoints outside the database that the log was held against. */
  checkpoints: number;
  problem?: { seq: number; kind: ChainProblemKind; message: string };
}

/**
 * Walks the whole chain in batches and holds it against the checkpoints kept
 * outside the database; reports the first break it finds. Events waiting in
 * audit_pending are chained first; events appended while it runs are left for
 * the next run.
 */
export async function verifyAuditChain(batchSize = 2000): Promise<ChainReport> {
  const a = requireAnchor();
  // Events committed but not chained yet (a crash between the two) belong to the log: chained first.
  if (AuditEvent.sequelize) await chainPendingAuditEvents(AuditEvent.sequelize);
  const sealedHead = await AuditHead.findByPk(1);
  if (!sealedHead?.chainId) {
    return fail(0, 0, 0, "unanchored", "the log has not been signed with the audit key (start the server once)");
  }
  const chain = sealedHead.chainId;
  const reading = await readCheckpoints(a, chain);
  if (reading.status === "missing") {
    return fail(0, 0, 0, "unanchored", `no checkpoints of this log (chain ${chain}) in ${a.checkpointDir}`);
  }
  if (reading.status === "forged") {
    return fail(
      0,
      0,
      0,
      "forged_checkpoint",
      `line ${reading.line} of ${chain}.jsonl is not signed with the audit key`,
    );
  }
  if (reading.status === "wrong_key") {
    return fail(
      0,
      0,
      0,
      "wrong_key",
      `the checkpoints were signed with key ${reading.keyId}, this server has key ${a.keyId}: configure the key the log was written with`,
    );
  }
  const { checkpoints } = reading;
  const keyedFrom = checkpoints[0]?.keyedFrom ?? 1;
  const signed = new Map<number, Checkpoint>();
  for (const c of checkpoints) {
    const earlier = signed.get(c.seq);
    if (c.keyedFrom !== keyedFrom || (earlier && earlier.hash !== c.hash)) {
      return fail(0, c.seq, checkpoints.length, "forged_checkpoint", `the checkpoints of event ${c.seq} disagree`);
    }
    signed.set(c.seq, c);
  }
  // Read after the checkpoints: the head only moves forward, so it covers every one of them.
  const head = await AuditHead.findByPk(1);
  if (!head || head.chainId !== chain) {
    return fail(0, 0, checkpoints.length, "replaced", "the head of the log changed to another chain during the check");
  }
  const n = checkpoints.length;

  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const batch = await AuditEvent.findAll({
      where: { seq: { [Op.gte]: expectedSeq, [Op.lte]: head.seq } },
      order: [["seq", "ASC"]],
      limit: batchSize,
    });
    for (const event of batch) {
      if (event.seq !== expectedSeq) {
        return fail(
          checked,
          expectedSeq,
          n,
          "missing",
          `event ${expectedSeq} is missing (next present is ${event.seq})`,
        );
      }
      if (event.prevHash !== prevHash) {
        return fail(checked, event.seq, n, "broken_link", `event ${event.seq} does not follow event ${event.seq - 1}`);
      }
      const hash = event.seq < keyedFrom ? unkeyedEventHash(event) : keyedEventHash(event, a.key);
      if (hash !== event.hash) {
        return fail(checked, event.seq, n, "edited", `event ${event.seq} was changed after it was written`);
      }
      const point = signed.get(event.seq);
      if (point && point.hash !== event.hash) {
        return fail(checked, event.seq, n, "edited", `event ${event.seq} differs from the checkpoint of ${point.at}`);
      }
      prevHash = event.hash;
      expectedSeq += 1;
      checked += 1;
    }
    if (batch.length < batchSize) break;
  }
  const lastSeq = expectedSeq - 1;
  const newest = checkpoints.reduce((max, c) => (c.seq > max.seq ? c : max));
  if (newest.seq > lastSeq) {
    const kind = lastSeq === 0 ? "emptied" : "truncated";
    return fail(
      checked,
      lastSeq + 1,
      n,
      kind,
      `the log ends at event ${lastSeq}, but the checkpoint of ${newest.at} records event ${newest.seq}`,
    );
  }
  if (head.seq !== lastSeq || head.hash !== prevHash) {
    return fail(
      checked,
      head.seq,
      n,
      "truncated",
      `the log ends at event ${lastSeq} but ${head.seq} events were written`,
    );
  }
  const replaced = await otherChains(a, chain);
  if (replaced.length) {
    return fail(
      checked,
      0,
      n,
      "replaced",
      `checkpoints of another log of this database (chain ${replaced.join(", ")}) are in ${a.checkpointDir}: this log replaced it`,
    );
  }
  return { ok: true, checked, checkpoints: n };
}

function fail(checked: number, seq: number, checkpoints: number, kind: ChainProblemKind, message: string): ChainReport {
  return { ok: false, checked, checkpoints, problem: { seq, kind, message } };
}

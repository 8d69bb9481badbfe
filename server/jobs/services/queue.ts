/**
 * The job queue (DESIGN.md, "Shared services: Jobs"): rows in the database,
 * claimed with a lease, so any number of app instances can work the same
 * queue and a job whose instance died is taken again once its lease runs out.
 *
 * Every state change is one conditional UPDATE (WHERE id = ? AND <the state
 * it expects>): two instances racing for a job both send it, the database
 * applies one, and the other sees 0 rows changed. No SELECT … FOR UPDATE, so
 * the same code works on SQLite and MariaDB.
 */
import { Op, UniqueConstraintError, literal, type Transaction, type WhereOptions } from "sequelize";
import { Job } from "../models/index.js";

export interface EnqueueOptions {
  /** Not before this time; default now. */
  runAt?: Date;
  /**
   * A waiting job with this key is returned instead of a second one ("do this
   * again soon" asked many times is done once). A running job does not count:
   * it may have read its input before the change that asks for it again.
   * Nor is a waiting job locked: an instance may claim and run it before the
   * caller's transaction commits, and so miss the change. Use a key only for
   * work that is asked for outside a transaction, or whose next run catches up.
   */
  dedupeKey?: string;
  /** Claims before the job is given up as failed; default 5. */
  maxAttempts?: number;
  transaction?: Transaction;
}

const DEFAULT_MAX_ATTEMPTS = 5;

const queuedListeners = new Set<() => void>();

/**
 * Calls `listener` whenever this process adds a job: at once without a
 * transaction, after the commit with one (a rolled-back job was never
 * there). The job runner of this instance listens, so a job starts now rather
 * than at the next poll, and no route has to remember to wake it. Returns the
 * way to stop listening.
 */
export function onJobQueued(listener: () => void): () => void {
  queuedListeners.add(listener);
  return () => queuedListeners.delete(listener);
}

function announceQueued(transaction: Transaction | undefined): void {
  const announce = () => {
    for (const listener of queuedListeners) listener();
  };
  if (transaction) transaction.afterCommit(announce);
  else announce();
}
const MAX_ERROR_LENGTH = 4_000;

/** Adds a job; in the caller's transaction when given, so it exists exactly when the change that needs it commits. */
export async function enqueueJob(kind: string, payload: unknown, options: EnqueueOptions = {}): Promise<Job> {
  const { transaction } = options;
  if (options.dedupeKey) {
    const waiting = await Job.findOne({ where: { dedupeKey: options.dedupeKey, state: "queued" }, transaction });
    if (waiting) {
      // Asked for again: it runs no later than this ask wants (a job backing off after a failure is brought forward).
      const runAt = options.runAt ?? new Date();
      if (waiting.runAt > runAt) await waiting.update({ runAt }, { transaction });
      return waiting;
    }
    // A running or finished job holds the key until now; the new one takes it over.
    await Job.update(
      { dedupeKey: null },
      { where: { dedupeKey: options.dedupeKey, state: ["running", "done", "failed"] }, transaction },
    );
  }
  const job = {
    kind,
    dedupeKey: options.dedupeKey ?? null,
    payload,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    repeatSeconds: null,
    runAt: options.runAt,
  };
  const queued = await insertOnce(job, transaction);
  announceQueued(transaction);
  return queued;
}

/**
 * Inserts a waiting job; when its dedupe key is taken meanwhile (another
 * instance inserted first), the job that holds the key is the one.
 */
async function insertOnce(
  job: Pick<Job, "kind" | "dedupeKey" | "maxAttempts" | "repeatSeconds"> & { payload: unknown; runAt?: Date },
  transaction?: Transaction,
): Promise<Job> {
  try {
    return await Job.create(
      {
        ...job,
        payload: JSON.stringify(job.payload ?? null),
        state: "queued",
        runAt: job.runAt ?? new Date(),
        leaseOwner: null,
        leaseUntil: null,
        lastError: null,
        finishedAt: null,
      },
      { transaction },
    );
  } catch (error) {
    if (!(error instanceof UniqueConstraintError) || !job.dedupeKey) throw error;
    return (await Job.findOne({ where: { dedupeKey: job.dedupeKey }, transaction }))!;
  }
}

/**
 * A job that runs every `everySeconds`, once across all instances: the first
 * instance to schedule it creates it, the others find it by its key. A
 * changed interval is applied to the existing job.
 */
export async function scheduleRecurringJob(kind: string, everySeconds: number, payload: unknown = null): Promise<Job> {
  const dedupeKey = `recurring:${kind}`;
  const existing = await Job.findOne({ where: { dedupeKey } });
  if (existing) {
    if (existing.repeatSeconds !== everySeconds || existing.state === "failed" || existing.state === "done") {
      await Job.update(
        {
          repeatSeconds: everySeconds,
          ...(existing.state === "failed" || existing.state === "done"
            ? { state: "queued", attempts: 0, runAt: new Date(), finishedAt: null }
            : {}),
        },
        { where: { id: existing.id } },
      );
    }
    return existing;
  }
  return insertOnce({ kind, dedupeKey, payload, maxAttempts: DEFAULT_MAX_ATTEMPTS, repeatSeconds: everySeconds });
}

/** Jobs an instance may take now: due and waiting, or leased by an instance whose lease has run out. */
function claimable(now: Date): WhereOptions<Job> {
  return {
    [Op.or]: [
      { state: "queued", runAt: { [Op.lte]: now } },
      { state: "running", leaseUntil: { [Op.lt]: now } },
    ],
  };
}

/**
 * Claims up to `limit` jobs of the given kinds for `owner` until now + leaseMs.
 * Each claim is a conditional UPDATE, so a job goes to exactly one claimant.
 */
export async function claimJobs(
  owner: string,
  kinds: readonly string[],
  limit: number,
  leaseMs: (kind: string) => number,
): Promise<Job[]> {
  if (kinds.length === 0 || limit <= 0) return [];
  const now = new Date();
  const candidates = await Job.findAll({
    attributes: ["id", "kind"],
    where: { [Op.and]: [{ kind: [...kinds] }, claimable(now)] },
    order: [["runAt", "ASC"]],
    limit: limit * 2,
  });
  const claimed: Job[] = [];
  for (const candidate of candidates) {
    if (claimed.length >= limit) break;
    const [changed] = await Job.update(
      {
        state: "running",
        leaseOwner: owner,
        leaseUntil: new Date(now.getTime() + leaseMs(candidate.kind)),
        attempts: literal("attempts + 1"),
      },
      { where: { [Op.and]: [{ id: candidate.id }, claimable(now)] } },
    );
    if (changed !== 1) continue;
    const job = await Job.findByPk(candidate.id);
    if (job) claimed.push(job);
  }
  return claimed;
}

/** Renews a lease; false when the job is no longer this owner's (its lease ran out and another took it). */
export async function renewLease(job: Job, owner: string, leaseMs: number): Promise<boolean> {
  const [changed] = await Job.update(
    { leaseUntil: new Date(Date.now() + leaseMs) },
    { where: { id: job.id, state: "running", leaseOwner: owner } },
  );
  return changed === 1;
}

/** The job ran to its end: finished, or queued again after its interval when it recurs. */
export async function completeJob(job: Job, owner: string): Promise<boolean> {
  const now = new Date();
  const next =
    job.repeatSeconds !== null
      ? { state: "queued" as const, attempts: 0, runAt: new Date(now.getTime() + job.repeatSeconds * 1000) }
      : { state: "done" as const, finishedAt: now };
  const [changed] = await Job.update(
    { ...next, leaseOwner: null, leaseUntil: null, lastError: null },
    { where: { id: job.id, state: "running", leaseOwner: owner } },
  );
  return changed === 1;
}

/** Seconds before the next attempt after `attempts` failed ones: 30 s, 1 min, 2 min, … at most 6 h. */
export function backoffSeconds(attempts: number): number {
  return Math.min(6 * 3600, 30 * 2 ** Math.max(0, attempts - 1));
}

/**
 * The job failed: queued again after a backoff while attempts remain (a
 * recurring job always comes back at its next interval), else failed for good.
 * Answers the state the job was left in, or null when it was no longer this owner's.
 */
export async function failJob(
  job: Job,
  owner: string,
  error: unknown,
  permanent = false,
): Promise<"queued" | "failed" | null> {
  const now = new Date();
  const message = (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_LENGTH);
  const retry = !permanent && job.attempts < job.maxAttempts;
  const update =
    job.repeatSeconds !== null && !retry
      ? { state: "queued" as const, attempts: 0, runAt: new Date(now.getTime() + job.repeatSeconds * 1000) }
      : retry
        ? { state: "queued" as const, runAt: new Date(now.getTime() + backoffSeconds(job.attempts) * 1000) }
        : { state: "failed" as const, finishedAt: now };
  const [changed] = await Job.update(
    { ...update, leaseOwner: null, leaseUntil: null, lastError: message },
    { where: { id: job.id, state: "running", leaseOwner: owner } },
  );
  return changed === 1 ? update.state : null;
}

/**
 * Gives a job back without counting the attempt (the instance is stopping):
 * another instance takes it at once instead of waiting for the lease to run out.
 */
export async function releaseJob(job: Job, owner: string): Promise<void> {
  await Job.update(
    { state: "queued", runAt: new Date(), leaseOwner: null, leaseUntil: null, attempts: literal("attempts - 1") },
    { where: { id: job.id, state: "running", leaseOwner: owner } },
  );
}

/** Deletes finished jobs older than the given ages (the queue stays small, its indexes fast). */
export async function pruneJobs(doneOlderThanMs: number, failedOlderThanMs: number): Promise<number> {
  const now = Date.now();
  const done = await Job.destroy({
    where: { state: "done", finishedAt: { [Op.lt]: new Date(now - doneOlderThanMs) } },
  });
  const failed = await Job.destroy({
    where: { state: "failed", finishedAt: { [Op.lt]: new Date(now - failedOlderThanMs) } },
  });
  return done + failed;
}

/** A job's payload as the handler reads it. */
export function payloadOf(job: Job): unknown {
  return JSON.parse(job.payload);
}

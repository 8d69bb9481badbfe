import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { Sequelize } from "sequelize";
import type { Env } from "../../env.js";
import type { BlobStore } from "../../core/blobStore.js";
import type { SearchBackend } from "../../search/types.js";
import type { Job } from "../models/index.js";
import { claimJobs, completeJob, failJob, onJobQueued, payloadOf, releaseJob, renewLease } from "./queue.js";

/** What the handlers of an instance's jobs may reach (server.ts hands them over). */
export interface JobServices {
  env: Env;
  sequelize: Sequelize;
  blobs: BlobStore;
  search: SearchBackend;
  /** Brings the search index up to date (the outbox drained now). */
  drainSearch: () => Promise<void>;
}

export interface JobContext {
  job: Job;
  /** Aborted when the instance stops or the job's lease was lost: stop at the next safe point. */
  signal: AbortSignal;
  logger: Logger;
}

export interface JobHandler {
  run(payload: unknown, context: JobContext): Promise<void>;
  /** Jobs of this kind one instance runs at once; default 1. */
  concurrency?: number;
  /** How long a claim holds without renewal; renewed every third of it while the job runs. Default 60 s. */
  leaseMs?: number;
  /** Called once when the job has failed for good (its last attempt, or a PermanentJobError). */
  onFailed?(payload: unknown, error: unknown): Promise<void>;
}

/** Thrown by a handler for a job that can never succeed (its input is gone or invalid): no retry. */
export class PermanentJobError extends Error {
  override readonly name = "PermanentJobError";
}

const DEFAULT_LEASE_MS = 60_000;
/** The reason a running job is aborted with when its instance stops. */
const STOPPING = new Error("the server is stopping");

/**
 * Works the queue in this instance: polls for due jobs of the kinds it has
 * handlers for, runs each with a lease it keeps renewing, and records the
 * outcome. Nothing lives only in this process: a job is a row, so another
 * instance (or this one after a restart) takes over what this one leaves.
 */
export class JobRunner {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | null = null;
  private unlisten: (() => void) | null = null;
  private polling: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly active = new Map<number, { kind: string; abort: AbortController; done: Promise<void> }>();

  constructor(
    private readonly handlers: Record<string, JobHandler>,
    private readonly logger: Logger,
    private readonly pollMs = 2_000,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer ??= setInterval(() => void this.kick(), this.pollMs).unref();
    // A job added in this process (after its transaction commits) is looked for at once.
    this.unlisten ??= onJobQueued(() => void this.kick());
    void this.kick();
  }

  /** Looks for due jobs now instead of at the next poll. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.polling) {
      this.again = true;
      return this.polling;
    }
    this.polling = (async () => {
      do {
        this.again = false;
        try {
          await this.poll();
        } catch (err) {
          this.logger.error({ err }, "job queue poll failed; retrying later");
          return;
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private leaseOf(kind: string): number {
    return this.handlers[kind]?.leaseMs ?? DEFAULT_LEASE_MS;
  }

  private async poll(): Promise<void> {
    for (const [kind, handler] of Object.entries(this.handlers)) {
      if (this.stopped) return;
      const running = [...this.active.values()].filter((a) => a.kind === kind).length;
      const free = (handler.concurrency ?? 1) - running;
      if (free <= 0) continue;
      const jobs = await claimJobs(this.owner, [kind], free, (k) => this.leaseOf(k));
      for (const job of jobs) this.launch(job, handler);
    }
  }

  private launch(job: Job, handler: JobHandler): void {
    const abort = new AbortController();
    const leaseMs = this.leaseOf(job.kind);
    const log = this.logger.child({ job: job.id, kind: job.kind, attempt: job.attempts });
    const renewal = setInterval(() => {
      renewLease(job, this.owner, leaseMs)
        .then((held) => {
          if (!held) {
            log.warn("job lease lost; stopping the job");
            abort.abort(new Error("lease lost"));
          }
        })
        .catch((err: unknown) => log.warn({ err }, "job lease renewal failed"));
    }, leaseMs / 3);
    renewal.unref();
    const done = (async () => {
      let payload: unknown = null;
      try {
        payload = payloadOf(job);
        if (job.attempts > job.maxAttempts) {
          throw new PermanentJobError(`gave up after ${job.maxAttempts} attempts whose instances stopped`);
        }
        await handler.run(payload, { job, signal: abort.signal, logger: log });
        clearInterval(renewal);
        await completeJob(job, this.owner);
      } catch (error) {
        clearInterval(renewal);
        // Asked to stop by stop() (even if the runner has been started again since): not a failure.
        if (abort.signal.aborted && abort.signal.reason === STOPPING) {
          // Stopping: the job goes back to the queue for whichever instance polls next.
          await releaseJob(job, this.owner).catch((err: unknown) => log.warn({ err }, "job release failed"));
          return;
        }
        const state = await failJob(job, this.owner, error, error instanceof PermanentJobError);
        log.warn({ err: error, state }, "job failed");
        if (state === "failed" && handler.onFailed) {
          await handler.onFailed(payload, error).catch((err: unknown) => log.error({ err }, "job onFailed failed"));
        }
      }
    })().finally(() => {
      this.active.delete(job.id);
      // A slot is free: more work of this kind may be waiting.
      if (!this.stopped) void this.kick();
    });
    this.active.set(job.id, { kind: job.kind, abort, done });
  }

  /** Jobs running in this instance now. */
  get running(): number {
    return this.active.size;
  }

  /**
   * Stops polling and asks running jobs to stop; waits up to `graceMs` for them.
   * A job that stopped goes back to the queue; one still running keeps its lease
   * until it runs out, and then another instance takes it.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unlisten?.();
    this.unlisten = null;
    await this.polling;
    for (const { abort } of this.active.values()) abort.abort(STOPPING);
    const all = Promise.all([...this.active.values()].map((a) => a.done));
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timeout = setTimeout(resolve, graceMs)))]);
    clearTimeout(timeout);
  }
}

import type { Logger } from "pino";
import type { Sequelize } from "sequelize";
import { appendAuditEvents, type AuditEntry } from "./auditChain.js";

type Append = (sequelize: Sequelize, entries: AuditEntry[]) => Promise<unknown>;

/**
 * Records events that need not commit with a change of their own — the page
 * views of the 三员, which 三员分立 requires on record — without a locked,
 * synchronous write per request: events wait here at most `intervalMs` and
 * are then chained together under one lock of the head. Each keeps the time
 * it happened. A clean shutdown (close) writes everything still waiting; a
 * crash loses at most the last interval.
 */
export class AuditBuffer {
  private pending: AuditEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private failures = 0;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly logger: Logger,
    private readonly intervalMs = 200,
    private readonly maxBatch = 500,
    private readonly append: Append = appendAuditEvents,
  ) {}

  /** How many events are waiting to be written. */
  get size(): number {
    return this.pending.length;
  }

  add(entry: AuditEntry): void {
    this.pending.push({ ...entry, at: entry.at ?? new Date() });
    if (this.pending.length >= this.maxBatch) void this.flush();
    else this.timer ??= this.later(this.intervalMs);
  }

  /** Writes everything waiting now; resolves when it is in the database (or has failed and waits for a retry). */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  /** At shutdown, after the web server stopped taking requests. */
  async close(): Promise<void> {
    await this.flush();
    if (this.pending.length) {
      // One more try: the retry timer may not get the chance to run.
      await this.flush();
      if (this.pending.length) this.logger.error({ lost: this.pending.length }, "audit events could not be written");
    }
  }

  /** The listening server keeps the process alive; the timer alone must not (close() writes what is left). */
  private later(ms: number): NodeJS.Timeout {
    return setTimeout(() => void this.flush(), ms).unref();
  }

  private async write(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        await this.append(this.sequelize, batch);
        this.failures = 0;
      } catch (err) {
        // Kept, in order, for the next attempt: an audit event is never dropped for a passing database error.
        this.pending.unshift(...batch);
        this.failures += 1;
        this.logger.error({ err, waiting: this.pending.length }, "writing buffered audit events failed");
        this.timer ??= this.later(Math.min(this.intervalMs * 2 ** this.failures, 30_000));
        return;
      }
    }
  }
}

import type { AuditBuffer } from "./auditBuffer.js";

export interface AnonymousDenial {
  ip: string;
  /** Method and path as requested, at most 64 characters. */
  route: string;
  /** The refusal's error code (csrf_failed, unauthenticated, …). */
  reason: string;
}

interface Tally extends AnonymousDenial {
  count: number;
  first: Date;
  last: Date;
}

/**
 * Refusals of callers who are not signed in come in floods (scanners, a
 * stale browser tab retrying): one audit event each would bury the log and
 * cost a write per request. They are counted per (ip, route, reason) and
 * written once a window (a minute) as one `authz.denied.anonymous` event with
 * the count and the first and last time, so they stay countable. Signed-in
 * refusals are not counted here: each keeps its own event.
 */
export class DenialTally {
  private tallies = new Map<string, Tally>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly buffer: AuditBuffer,
    private readonly windowMs = 60_000,
    /** Distinct keys kept per window; beyond it, further callers are counted under ip and route "*". */
    private readonly maxKeys = 1000,
  ) {}

  count(denial: AnonymousDenial): void {
    let key = JSON.stringify([denial.ip, denial.route, denial.reason]);
    let entry = denial;
    if (!this.tallies.has(key) && this.tallies.size >= this.maxKeys) {
      entry = { ip: "*", route: "*", reason: denial.reason };
      key = JSON.stringify([entry.ip, entry.route, entry.reason]);
    }
    const now = new Date();
    const tally = this.tallies.get(key);
    if (tally) {
      tally.count += 1;
      tally.last = now;
    } else {
      this.tallies.set(key, { ...entry, count: 1, first: now, last: now });
    }
    // Unref: the listening server keeps the process alive, and its close() flushes.
    this.timer ??= setTimeout(() => this.flush(), this.windowMs).unref();
  }

  /** Hands the window's counts to the audit buffer (also at shutdown, before the buffer closes). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const tallies = [...this.tallies.values()];
    this.tallies.clear();
    for (const t of tallies) {
      this.buffer.add({
        action: "authz.denied.anonymous",
        outcome: "denied",
        actorId: null,
        actorName: null,
        ip: t.ip === "*" ? null : t.ip,
        targetType: "route",
        targetId: t.route,
        at: t.last,
        detail: { reason: t.reason, count: t.count, from: t.first.toISOString(), to: t.last.toISOString() },
      });
    }
  }
}

import type { Transaction } from "sequelize";
import { UsageEvent } from "../models/index.js";

/**
 * What the statistics count (DESIGN.md "Usage events"): the figures the city
 * reported, each kind recorded where the thing happens.
 * - library.register: a public patron registered themselves
 * - library.navigate: a 中图法 class page opened (the seed's "catalogue navigation")
 * - library.search: a catalogue search
 * - library.borrow: a loan made (the statistics count loans from library_loans; this is the event trail)
 * - library.read: a reading session opened
 * - library.download: an open-access file downloaded
 * - library.opds: a request to the OPDS catalogue
 * - auth.login, oa.use, mail.send: for the modules that count them next.
 */
export const USAGE_KINDS = [
  "library.register",
  "library.navigate",
  "library.search",
  "library.borrow",
  "library.read",
  "library.download",
  "library.opds",
  "auth.login",
  "oa.use",
  "mail.send",
] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

/** The longest subject kept (the column's width). */
const SUBJECT_MAX = 200;

let reportFailure: (err: unknown, kind: UsageKind) => void = () => {};

/** Where a failed recording outside a transaction is reported (server.ts hands it the logger). */
export function onUsageError(report: (err: unknown, kind: UsageKind) => void): void {
  reportFailure = report;
}

/**
 * Counts one use. Inside the caller's transaction the row commits or rolls
 * back with the change it counts (a borrowing rolled back is not counted), and
 * an error is the transaction's. Outside one a failure is reported and
 * swallowed: a figure missing from the statistics must never cost the patron
 * their page.
 */
export async function recordUsage(
  event: { kind: UsageKind; userId?: number | null; subject?: string | null; at?: Date },
  t?: Transaction,
): Promise<void> {
  const row = {
    kind: event.kind,
    userId: event.userId ?? null,
    // Cut by code points, as MariaDB counts a VARCHAR's width (a surrogate pair is never split).
    subject: event.subject == null ? null : [...event.subject].slice(0, SUBJECT_MAX).join(""),
    at: event.at ?? new Date(),
  };
  if (t) {
    await UsageEvent.create(row, { transaction: t });
    return;
  }
  try {
    await UsageEvent.create(row);
  } catch (err) {
    reportFailure(err, event.kind);
  }
}

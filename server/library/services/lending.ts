/**
 * Digital lending: borrowing, returning, renewing, the holds queue and the
 * expiry of loans and of unclaimed holds.
 *
 * A title is never lent beyond its licence, however many people click at
 * once: every change to a title's loans or holds first locks the title's row
 * (an UPDATE of it, which MariaDB holds until the commit and which SQLite's
 * IMMEDIATE transactions already serialise), then counts and writes. On
 * MariaDB the transactions read committed data, so what is counted after the
 * lock is what the previous holder of the lock committed (under REPEATABLE
 * READ a read before the lock would fix an older snapshot). Rows are always
 * locked title first, then its loans and holds, so two operations never wait
 * on each other in opposite orders.
 *
 * Copies taken = active loans + holds that are `ready` (a freed copy kept for
 * the patron whose turn it is, until `claimUntil`). So a patron with a ready
 * hold borrows before anyone else, and a returned copy goes to the first
 * patron waiting (`promoteHolds`), who is notified.
 */
import { Op, Transaction } from "sequelize";
import { conflict, notFound } from "../../core/errors.js";
import { databaseOf, insertInstances, plainQuery, selectInstances } from "../../core/rows.js";
import type { JobHandler } from "../../jobs/services/runner.js";
import { notify } from "../../notify/services/notifier.js";
import { LibraryHold, LibraryLoan, LibraryRule, LibraryTitle, type PatronCategory } from "../models/index.js";

const DAY_MS = 24 * 3600_000;
/** The claim window when no rule covers a hold's patron (a rule removed after the hold was placed). */
const DEFAULT_CLAIM_DAYS = 3;
/** The rule of a patron category that covers title categories without rules of their own. */
const GENERAL = "general";

export const LIBRARY_LENDING_JOB = "library.lending";
/** How often overdue loans and lapsed claims are looked for: a loan ends at most this late. */
export const LIBRARY_LENDING_EVERY_SECONDS = 60;
/** Loans or holds read per round of the expiry job; each is then ended in a transaction of its own. */
const BATCH = 200;

/**
 * Work a caller does inside a lending change's transaction, after the change:
 * the route's audit event, a usage count. It commits or rolls back with it.
 */
export type InTransaction<T> = (result: T, t: Transaction) => Promise<void>;

/** A transaction for lending (see the file comment): READ COMMITTED on MariaDB. */
export function lendingTransaction<T>(work: (t: Transaction) => Promise<T>): Promise<T> {
  const sequelize = databaseOf(LibraryTitle);
  const isolationLevel = sequelize.getDialect() === "sqlite" ? undefined : Transaction.ISOLATION_LEVELS.READ_COMMITTED;
  return sequelize.transaction({ isolationLevel }, work);
}

/** Locks a title's row until the commit (a no-op UPDATE still takes the row lock), then reads it. */
async function lockTitle(titleId: number, t: Transaction): Promise<LibraryTitle> {
  const sequelize = databaseOf(LibraryTitle);
  await plainQuery(sequelize, "UPDATE library_titles SET copies = copies WHERE id = ?", [titleId], t);
  const [title] = await selectInstances(LibraryTitle, "SELECT * FROM library_titles WHERE id = ?", [titleId], t);
  if (!title) throw notFound("Title");
  return title;
}

/** The rule for a patron category and a title's category, else the patron category's general rule. */
async function ruleFor(
  patronCategory: PatronCategory,
  titleCategory: string,
  t: Transaction,
): Promise<LibraryRule | null> {
  const rules = await selectInstances(
    LibraryRule,
    "SELECT * FROM library_rules WHERE patronCategory = ? AND titleCategory IN (?)",
    [patronCategory, [titleCategory, GENERAL]],
    t,
  );
  return rules.find((r) => r.titleCategory === titleCategory) ?? rules[0] ?? null;
}

async function requireRule(patronCategory: PatronCategory, titleCategory: string, t: Transaction) {
  const rule = await ruleFor(patronCategory, titleCategory, t);
  if (!rule) throw conflict("library_no_rule", "No loan rule covers this title for your patron category");
  return rule;
}

async function count(sql: string, values: readonly unknown[], t: Transaction): Promise<number> {
  const { rows } = await plainQuery(databaseOf(LibraryTitle), sql, values, t);
  return Number(rows[0]?.n ?? 0);
}

/** Copies in use: active loans, and copies kept for a ready hold of someone other than `forUserId`. */
async function takenCopies(titleId: number, forUserId: number, now: Date, t: Transaction): Promise<number> {
  const loans = await count(
    "SELECT COUNT(*) AS n FROM library_loans WHERE titleId = ? AND state = 'active'",
    [titleId],
    t,
  );
  const kept = await count(
    "SELECT COUNT(*) AS n FROM library_holds WHERE titleId = ? AND state = 'ready' AND claimUntil > ? AND userId <> ?",
    [titleId, now, forUserId],
    t,
  );
  return loans + kept;
}

const openAccess = () =>
  conflict("library_open_access", "This title is open access: read or download it without borrowing");

/**
 * What borrowing and placing a hold both check first, with the title locked:
 * it is in the catalogue (a withdrawn title stays only for the loans'
 * history), it is not open access, the patron's category has a rule for it,
 * and the patron has not borrowed it already. Answers the title and the rule.
 */
async function lendableTo(
  userId: number,
  titleId: number,
  patronCategory: PatronCategory,
  t: Transaction,
): Promise<{ title: LibraryTitle; rule: LibraryRule }> {
  const title = await lockTitle(titleId, t);
  if (title.withdrawnAt) throw notFound("Title");
  if (title.licenceModel === "open") throw openAccess();
  const rule = await requireRule(patronCategory, title.titleCategory, t);
  const borrowed = await count(
    "SELECT COUNT(*) AS n FROM library_loans WHERE userId = ? AND state = 'active' AND titleId = ?",
    [userId, titleId],
    t,
  );
  if (borrowed > 0) throw conflict("library_already_borrowed", "You have already borrowed this title");
  return { title, rule };
}

/**
 * Lends a copy of a title to a patron, or refuses with 409: an open-access
 * title, a second loan of the same title, the patron's loan limit, no copy
 * free (the client then offers a hold). A ready hold of the patron's own is
 * fulfilled by the loan.
 */
export async function borrow(
  userId: number,
  titleId: number,
  patronCategory: PatronCategory,
  now = new Date(),
  after?: InTransaction<LibraryLoan>,
): Promise<LibraryLoan> {
  return lendingTransaction(async (t) => {
    const { title, rule } = await lendableTo(userId, titleId, patronCategory, t);
    const loans = await count(
      "SELECT COUNT(*) AS n FROM library_loans WHERE userId = ? AND state = 'active'",
      [userId],
      t,
    );
    if (loans >= rule.maxLoans)
      throw conflict("library_loan_limit", `You may have ${rule.maxLoans} loans at a time`, { max: rule.maxLoans });
    if ((await takenCopies(titleId, userId, now, t)) >= title.copies)
      throw conflict("library_no_copy_available", "Every copy of this title is lent: place a hold to join the queue");
    const [loan] = await insertInstances(
      LibraryLoan,
      [
        {
          titleId,
          userId,
          patronCategory,
          state: "active",
          borrowedAt: now,
          dueAt: new Date(now.getTime() + rule.loanDays * DAY_MS),
          returnedAt: null,
          renewals: 0,
        },
      ],
      t,
    );
    await plainQuery(
      databaseOf(LibraryHold),
      "UPDATE library_holds SET state = 'fulfilled' WHERE titleId = ? AND userId = ? AND state IN ('waiting', 'ready')",
      [titleId, userId],
      t,
    );
    await after?.(loan!, t);
    return loan!;
  });
}

/**
 * Gives freed copies to the patrons waiting longest: each becomes `ready`
 * with a claim window and is notified. Called with the title locked,
 * whenever a copy may have come free. Answers the holds made ready.
 */
async function promoteHolds(title: LibraryTitle, now: Date, t: Transaction): Promise<LibraryHold[]> {
  if (title.licenceModel === "open") return [];
  const free = title.copies - (await takenCopies(title.id, 0, now, t));
  if (free <= 0) return [];
  const next = await selectInstances(
    LibraryHold,
    "SELECT * FROM library_holds WHERE titleId = ? AND state = 'waiting' ORDER BY createdAt, id LIMIT ?",
    [title.id, free],
    t,
  );
  const sequelize = databaseOf(LibraryHold);
  for (const hold of next) {
    const rule = await ruleFor(hold.patronCategory, title.titleCategory, t);
    const claimUntil = new Date(now.getTime() + (rule?.claimDays ?? DEFAULT_CLAIM_DAYS) * DAY_MS);
    await plainQuery(
      sequelize,
      "UPDATE library_holds SET state = 'ready', readyAt = ?, claimUntil = ? WHERE id = ? AND state = 'waiting'",
      [now, claimUntil, hold.id],
      t,
    );
    hold.set({ state: "ready", readyAt: now, claimUntil });
    await notify(
      {
        recipients: [hold.userId],
        kind: "library.hold.ready",
        params: { title: title.title, claimUntil },
        link: `/library/titles/${title.id}`,
      },
      t,
    );
  }
  return next;
}

/**
 * Offers a title's free copies to the patrons waiting for it: what the
 * catalogue calls after raising a title's copies, in the same transaction
 * (the title is locked here first, as every lending change does).
 */
export async function offerFreeCopies(titleId: number, t: Transaction, now = new Date()): Promise<LibraryHold[]> {
  return promoteHolds(await lockTitle(titleId, t), now, t);
}

/**
 * A patron's own loan, or 404 (another patron's loan is not theirs to see);
 * `userId` null: any patron's (a librarian's force return).
 */
async function loanOf(loanId: number, userId: number | null, t: Transaction): Promise<LibraryLoan> {
  const [loan] = await selectInstances(
    LibraryLoan,
    userId === null
      ? "SELECT * FROM library_loans WHERE id = ?"
      : "SELECT * FROM library_loans WHERE id = ? AND userId = ?",
    userId === null ? [loanId] : [loanId, userId],
    t,
  );
  if (!loan) throw notFound("Loan");
  return loan;
}

const notActive = () => conflict("library_loan_not_active", "This loan has already ended");

/**
 * Returns a loan early; the copy goes to the first patron waiting, if any.
 * `userId` null: whoever holds it (a librarian ends the loan).
 */
export async function returnLoan(
  loanId: number,
  userId: number | null,
  now = new Date(),
  after?: InTransaction<LibraryLoan>,
): Promise<LibraryLoan> {
  return lendingTransaction(async (t) => {
    const { titleId } = await loanOf(loanId, userId, t);
    const title = await lockTitle(titleId, t);
    const { affectedRows } = await plainQuery(
      databaseOf(LibraryLoan),
      "UPDATE library_loans SET state = 'returned', returnedAt = ? WHERE id = ? AND state = 'active'",
      [now, loanId],
      t,
    );
    if (!affectedRows) throw notActive();
    await promoteHolds(title, now, t);
    const returned = await loanOf(loanId, userId, t);
    await after?.(returned, t);
    return returned;
  });
}

/**
 * Extends a loan by another loan period from its due date, while nobody waits
 * for the title and within the rule's renewals; refuses an ended loan.
 */
export async function renew(
  loanId: number,
  userId: number,
  now = new Date(),
  after?: InTransaction<LibraryLoan>,
): Promise<LibraryLoan> {
  return lendingTransaction(async (t) => {
    const { titleId } = await loanOf(loanId, userId, t);
    const title = await lockTitle(titleId, t);
    const loan = await loanOf(loanId, userId, t);
    if (loan.state !== "active" || loan.dueAt.getTime() <= now.getTime()) throw notActive();
    const waiting = await count(
      "SELECT COUNT(*) AS n FROM library_holds WHERE titleId = ? AND state = 'waiting'",
      [titleId],
      t,
    );
    if (waiting > 0) throw conflict("library_hold_waiting", "Someone is waiting for this title: it cannot be renewed");
    const rule = await requireRule(loan.patronCategory, title.titleCategory, t);
    if (loan.renewals >= rule.maxRenewals)
      throw conflict("library_renewal_limit", `A loan may be renewed ${rule.maxRenewals} times`, {
        max: rule.maxRenewals,
      });
    const dueAt = new Date(loan.dueAt.getTime() + rule.loanDays * DAY_MS);
    await plainQuery(
      databaseOf(LibraryLoan),
      "UPDATE library_loans SET dueAt = ?, renewals = renewals + 1 WHERE id = ? AND state = 'active'",
      [dueAt, loanId],
      t,
    );
    const renewed = await loanOf(loanId, userId, t);
    await after?.(renewed, t);
    return renewed;
  });
}

/**
 * Puts a patron in the queue for a title, or refuses with 409: open access,
 * already borrowed or already queued, the hold limit, or a copy free now
 * (borrow it instead).
 */
export async function placeHold(
  userId: number,
  titleId: number,
  patronCategory: PatronCategory,
  now = new Date(),
  after?: InTransaction<LibraryHold>,
): Promise<LibraryHold> {
  return lendingTransaction(async (t) => {
    const { title, rule } = await lendableTo(userId, titleId, patronCategory, t);
    const queued = await count(
      "SELECT COUNT(*) AS n FROM library_holds WHERE userId = ? AND state IN ('waiting', 'ready') AND titleId = ?",
      [userId, titleId],
      t,
    );
    if (queued > 0) throw conflict("library_already_on_hold", "You are already in the queue for this title");
    const holds = await count(
      "SELECT COUNT(*) AS n FROM library_holds WHERE userId = ? AND state IN ('waiting', 'ready')",
      [userId],
      t,
    );
    if (holds >= rule.maxHolds)
      throw conflict("library_hold_limit", `You may have ${rule.maxHolds} holds at a time`, { max: rule.maxHolds });
    const waiting = await count(
      "SELECT COUNT(*) AS n FROM library_holds WHERE titleId = ? AND state = 'waiting'",
      [titleId],
      t,
    );
    if (waiting === 0 && (await takenCopies(titleId, userId, now, t)) < title.copies)
      throw conflict("library_copy_available", "A copy of this title is free: borrow it now");
    const [hold] = await insertInstances(
      LibraryHold,
      [{ titleId, userId, patronCategory, state: "waiting", createdAt: now, readyAt: null, claimUntil: null }],
      t,
    );
    await after?.(hold!, t);
    return hold!;
  });
}

/** Leaves the queue; a copy kept for the patron passes to the next one waiting. */
export async function cancelHold(
  holdId: number,
  userId: number,
  now = new Date(),
  after?: InTransaction<LibraryHold>,
): Promise<void> {
  await lendingTransaction(async (t) => {
    const [hold] = await selectInstances(
      LibraryHold,
      "SELECT * FROM library_holds WHERE id = ? AND userId = ?",
      [holdId, userId],
      t,
    );
    if (!hold) throw notFound("Hold");
    const title = await lockTitle(hold.titleId, t);
    const { affectedRows } = await plainQuery(
      databaseOf(LibraryHold),
      "UPDATE library_holds SET state = 'cancelled' WHERE id = ? AND state IN ('waiting', 'ready')",
      [holdId],
      t,
    );
    if (!affectedRows) throw conflict("library_hold_not_active", "This hold has already ended");
    await promoteHolds(title, now, t);
    await after?.(hold, t);
  });
}

/**
 * Ends, in transactions of their own, the rows `due` finds: `end` is a
 * conditional UPDATE, so a row another instance ended meanwhile is left
 * alone and counted once. Answers how many this call ended.
 */
async function endInBatches(
  due: () => Promise<{ id: number; titleId: number }[]>,
  end: (id: number, t: Transaction) => Promise<boolean>,
  now: Date,
  signal?: AbortSignal,
): Promise<number> {
  let ended = 0;
  for (;;) {
    signal?.throwIfAborted();
    const rows = await due();
    for (const row of rows) {
      const done = await lendingTransaction(async (t) => {
        const title = await lockTitle(row.titleId, t);
        if (!(await end(row.id, t))) return false;
        await promoteHolds(title, now, t);
        return true;
      });
      if (done) ended++;
    }
    if (rows.length < BATCH) return ended;
  }
}

/**
 * Returns the loans due by `now` (automatic return at expiry) and passes
 * their copies on. Safe when several instances run it at once.
 */
export function expireLoans(now = new Date(), signal?: AbortSignal): Promise<number> {
  return endInBatches(
    () =>
      LibraryLoan.findAll({
        attributes: ["id", "titleId"],
        where: { state: "active", dueAt: { [Op.lte]: now } },
        order: [["dueAt", "ASC"]],
        limit: BATCH,
        raw: true,
      }),
    async (id, t) =>
      (
        await plainQuery(
          databaseOf(LibraryLoan),
          "UPDATE library_loans SET state = 'expired', returnedAt = ? WHERE id = ? AND state = 'active' AND dueAt <= ?",
          [now, id, now],
          t,
        )
      ).affectedRows === 1,
    now,
    signal,
  );
}

/**
 * Ends the ready holds whose claim window passed by `now`; each copy passes
 * to the next patron waiting. Safe when several instances run it at once.
 */
export function expireHolds(now = new Date(), signal?: AbortSignal): Promise<number> {
  return endInBatches(
    () =>
      LibraryHold.findAll({
        attributes: ["id", "titleId"],
        where: { state: "ready", claimUntil: { [Op.lte]: now } },
        order: [["claimUntil", "ASC"]],
        limit: BATCH,
        raw: true,
      }),
    async (id, t) =>
      (
        await plainQuery(
          databaseOf(LibraryHold),
          "UPDATE library_holds SET state = 'expired' WHERE id = ? AND state = 'ready' AND claimUntil <= ?",
          [id, now],
          t,
        )
      ).affectedRows === 1,
    now,
    signal,
  );
}

/** The recurring job (server.ts): loans due are returned, lapsed claims pass on. */
export function lendingExpiryJob(): JobHandler {
  return {
    leaseMs: 300_000,
    run: async (_payload, { signal, logger }) => {
      const now = new Date();
      const loans = await expireLoans(now, signal);
      const holds = await expireHolds(now, signal);
      if (loans + holds > 0) logger.info({ loans, holds }, "library loans and holds expired");
    },
  };
}

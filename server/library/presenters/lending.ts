import type { LibraryHold, LibraryLoan, LibraryRule, LibraryTitle } from "../models/index.js";
import { ruleIn, type LoanContext } from "../services/loanLists.js";

/** The title a loan or hold is of: enough for a line on the patron's page. */
function titleRef(title: LibraryTitle | undefined, titleId: number) {
  return title
    ? { id: title.id, title: title.title, authors: title.authors, licenceModel: title.licenceModel }
    : { id: titleId, title: "", authors: "", licenceModel: null };
}

/** A loan as its patron sees it: times, what is left of it, and what they may do with it now. */
export function presentLoan(loan: LibraryLoan, context: LoanContext, now: Date) {
  const title = context.titles.get(loan.titleId);
  const rule = title ? ruleIn(context.rules, loan.patronCategory, title.titleCategory) : null;
  const active = loan.state === "active" && loan.dueAt.getTime() > now.getTime();
  const renewalsLeft = rule ? Math.max(0, rule.maxRenewals - loan.renewals) : 0;
  const waiting = context.waiting.get(loan.titleId) ?? 0;
  return {
    id: loan.id,
    title: titleRef(title, loan.titleId),
    state: loan.state,
    patronCategory: loan.patronCategory,
    borrowedAt: loan.borrowedAt.toISOString(),
    dueAt: loan.dueAt.toISOString(),
    returnedAt: loan.returnedAt?.toISOString() ?? null,
    /** Milliseconds until the loan ends (0 once it has). */
    msLeft: loan.state === "active" ? Math.max(0, loan.dueAt.getTime() - now.getTime()) : 0,
    renewals: loan.renewals,
    renewalsLeft,
    /** Patrons waiting for the title: a loan is not renewed while anyone waits. */
    waiting,
    abilities: { read: active, return: loan.state === "active", renew: active && renewalsLeft > 0 && waiting === 0 },
  };
}

/** An active loan in the librarian's list: whose it is as well. */
export function presentAdminLoan(
  loan: LibraryLoan,
  context: LoanContext,
  patron: { id: number; displayName: string } | undefined,
  now: Date,
) {
  return {
    ...presentLoan(loan, context, now),
    patron: { id: loan.userId, displayName: patron?.displayName ?? "" },
    overdue: loan.dueAt.getTime() <= now.getTime(),
  };
}

/**
 * A hold as its patron sees it: `position` in the queue while waiting (1 =
 * next), `claimUntil` once a copy is kept for them.
 */
export function presentHold(hold: LibraryHold, context: LoanContext, position: number | undefined) {
  return {
    id: hold.id,
    title: titleRef(context.titles.get(hold.titleId), hold.titleId),
    state: hold.state,
    createdAt: hold.createdAt.toISOString(),
    position: hold.state === "waiting" ? (position ?? null) : null,
    readyAt: hold.readyAt?.toISOString() ?? null,
    claimUntil: hold.claimUntil?.toISOString() ?? null,
    abilities: { cancel: hold.state === "waiting" || hold.state === "ready", borrow: hold.state === "ready" },
  };
}

export function presentRule(rule: LibraryRule) {
  return {
    id: rule.id,
    patronCategory: rule.patronCategory,
    titleCategory: rule.titleCategory,
    loanDays: rule.loanDays,
    maxLoans: rule.maxLoans,
    maxHolds: rule.maxHolds,
    maxRenewals: rule.maxRenewals,
    claimDays: rule.claimDays,
  };
}

export type LoanShape = ReturnType<typeof presentLoan>;
export type AdminLoanShape = ReturnType<typeof presentAdminLoan>;
export type HoldShape = ReturnType<typeof presentHold>;
export type RuleShape = ReturnType<typeof presentRule>;

/**
 * What the patron's page and the librarian's loan list read: loans and holds
 * with their titles, the rules that govern them and the queue around them,
 * one query per kind of row for a whole page (never one per loan).
 */
import { Op, type Transaction } from "sequelize";
import { User } from "../../org/models/index.js";
import { databaseOf, plainQuery } from "../../core/rows.js";
import { LibraryHold, LibraryLoan, LibraryRule, LibraryTitle, type PatronCategory } from "../models/index.js";

/** The rule of a patron category that covers title categories without rules of their own (as lending.ts). */
const GENERAL = "general";

export interface LoanContext {
  titles: Map<number, LibraryTitle>;
  rules: LibraryRule[];
  /** Patrons waiting per title. */
  waiting: Map<number, number>;
}

/** The rule for a patron category and a title category, else the category's general rule (as lending.ts ruleFor). */
export function ruleIn(rules: readonly LibraryRule[], patron: PatronCategory, titleCategory: string) {
  const mine = rules.filter((r) => r.patronCategory === patron);
  return mine.find((r) => r.titleCategory === titleCategory) ?? mine.find((r) => r.titleCategory === GENERAL) ?? null;
}

async function waitingFor(titleIds: number[], t?: Transaction): Promise<Map<number, number>> {
  if (!titleIds.length) return new Map();
  const { rows } = await plainQuery(
    databaseOf(LibraryHold),
    "SELECT titleId, COUNT(*) AS n FROM library_holds WHERE state = 'waiting' AND titleId IN (?) GROUP BY titleId",
    [titleIds],
    t,
  );
  return new Map(rows.map((r) => [Number(r.titleId), Number(r.n)]));
}

/** Titles, rules and queue lengths for a page of loans or holds. */
export async function loanContext(rows: readonly { titleId: number }[], t?: Transaction): Promise<LoanContext> {
  const titleIds = [...new Set(rows.map((r) => r.titleId))];
  const [titles, rules, waiting] = await Promise.all([
    titleIds.length ? LibraryTitle.findAll({ where: { id: titleIds }, transaction: t }) : [],
    LibraryRule.findAll({ transaction: t }),
    waitingFor(titleIds, t),
  ]);
  return { titles: new Map(titles.map((x) => [x.id, x])), rules, waiting };
}

export interface Page {
  page: number;
  pageSize: number;
}

/** A patron's current loans (soonest due first), or their ended ones (latest first) a page at a time. */
export async function loansOf(userId: number, state: "active" | "history", page: Page) {
  const where =
    state === "active" ? { userId, state: "active" } : { userId, state: { [Op.in]: ["returned", "expired"] } };
  const { rows, count } = await LibraryLoan.findAndCountAll({
    where,
    order:
      state === "active"
        ? [
            ["dueAt", "ASC"],
            ["id", "ASC"],
          ]
        : [
            ["returnedAt", "DESC"],
            ["id", "DESC"],
          ],
    limit: page.pageSize,
    offset: (page.page - 1) * page.pageSize,
  });
  return { rows, count, context: await loanContext(rows) };
}

/**
 * A patron's open holds (waiting or ready), with each waiting hold's place in
 * its title's queue: 1 + the waiting holds placed before it (the order
 * lending.ts promotes them in).
 */
export async function holdsOf(userId: number) {
  const holds = await LibraryHold.findAll({
    where: { userId, state: { [Op.in]: ["waiting", "ready"] } },
    order: [
      ["createdAt", "ASC"],
      ["id", "ASC"],
    ],
  });
  const positions = new Map<number, number>();
  const waiting = holds.filter((h) => h.state === "waiting");
  if (waiting.length) {
    const { rows } = await plainQuery(
      databaseOf(LibraryHold),
      `SELECT h.id AS id, (SELECT COUNT(*) FROM library_holds w
          WHERE w.titleId = h.titleId AND w.state = 'waiting'
            AND (w.createdAt < h.createdAt OR (w.createdAt = h.createdAt AND w.id < h.id))) + 1 AS position
         FROM library_holds h WHERE h.id IN (?)`,
      [waiting.map((h) => h.id)],
      undefined,
    );
    for (const r of rows) positions.set(Number(r.id), Number(r.position));
  }
  return { holds, positions, context: await loanContext(holds) };
}

/** Every active loan for the librarian (soonest due first); `overdue`: only those past their due time. */
export async function activeLoans(filter: { overdue: boolean; now: Date } & Page) {
  const where = filter.overdue ? { state: "active", dueAt: { [Op.lte]: filter.now } } : { state: "active" as const };
  const { rows, count } = await LibraryLoan.findAndCountAll({
    where,
    order: [
      ["dueAt", "ASC"],
      ["id", "ASC"],
    ],
    limit: filter.pageSize,
    offset: (filter.page - 1) * filter.pageSize,
  });
  const userIds = [...new Set(rows.map((r) => r.userId))];
  const users = userIds.length ? await User.findAll({ where: { id: userIds }, attributes: ["id", "displayName"] }) : [];
  return { rows, count, context: await loanContext(rows), users: new Map(users.map((u) => [u.id, u])) };
}

import { QueryTypes, type Sequelize } from "sequelize";

/**
 * SQL for user lists and search, over `user_search_grams` and
 * `unit_user_counts` (migration 0006, kept by triggers). A search string is
 * one exact key of the gram table, so a page is read along the index in list
 * order and the total is a count over one key range: no LIKE, no sort, no
 * DISTINCT, whatever the number of matches.
 */

/** The longest string `user_search_grams` keeps (migration 0006); longer searches are checked on the users' columns. */
const GRAM_MAX = 32;

const firstChars = (text: string, n: number) => [...text].slice(0, n).join("");

export interface SearchConditions {
  /** The search text; matches a prefix of the username, pinyin or initials, or any part of the name. */
  text?: string;
  matchUsername: boolean;
  /** null: every unit. */
  unitIds: number[] | null;
  departmentId?: number;
  status?: "active" | "disabled" | "locked";
  withoutRoles?: boolean;
  excludeAdministrators?: boolean;
}

interface Sql {
  from: string;
  where: string;
  replacements: Record<string, unknown>;
}

/** Where the user sits; `t` is the alias of the table that carries unitId and departmentId. */
function placeConditions(c: SearchConditions, t: string, replacements: Record<string, unknown>): string[] {
  const where: string[] = [];
  if (c.unitIds) {
    where.push(`${t}.unitId IN (:unitIds)`);
    replacements.unitIds = c.unitIds;
  }
  if (c.departmentId) {
    where.push(`${t}.departmentId = :departmentId`);
    replacements.departmentId = c.departmentId;
  }
  return where;
}

/** Conditions that need the user's own row or roles, with `id` the expression for the user's id. */
function userConditions(c: SearchConditions, id: string, replacements: Record<string, unknown>): string[] {
  const where: string[] = [];
  if (c.status === "disabled" || c.status === "active") {
    where.push("u.disabled = :disabled");
    replacements.disabled = c.status === "disabled";
  }
  if (c.status === "locked") {
    where.push("u.lockedUntil > :now");
    replacements.now = new Date();
  }
  // Sub-selects rather than joins: the page and its count stay one row per user.
  if (c.withoutRoles) where.push(`${id} NOT IN (SELECT userId FROM role_assignments)`);
  if (c.excludeAdministrators) {
    where.push(
      `${id} NOT IN (SELECT ra.userId FROM role_assignments ra JOIN roles r ON r.id = ra.roleId WHERE r.adminKind IS NOT NULL)`,
    );
  }
  return where;
}

const needsUserRow = (c: SearchConditions) => c.status !== undefined;

/**
 * Matching users through their grams; the unit and department come from the
 * gram rows. People type pinyin with spaces between syllables, so a search
 * with spaces also tries the text without them.
 */
function gramSql(c: SearchConditions, text: string): Sql & { distinct: boolean } {
  const replacements: Record<string, unknown> = {};
  const compact = text.replace(/\s+/g, "");
  const grams = [...new Set([text, compact].filter(Boolean).map((t) => firstChars(t, GRAM_MAX)))];
  const where = [grams.length === 1 ? "g.gram = :gram" : "g.gram IN (:grams)"];
  replacements.gram = grams[0];
  replacements.grams = grams;
  if (!c.matchUsername) where.push("g.fromName = 1");
  const long = [...text].length > GRAM_MAX || [...compact].length > GRAM_MAX;
  if (long) {
    // The gram matched the first GRAM_MAX characters; the rest is checked on the user's own columns.
    where.push(
      "(INSTR(LOWER(u.displayName), :text) > 0 OR SUBSTR(u.pinyin, 1, :compactLength) = :compact" +
        (c.matchUsername ? " OR INSTR(LOWER(u.username), :text) > 0" : "") +
        ")",
    );
    Object.assign(replacements, { text, compact, compactLength: [...compact].length });
  }
  where.push(...placeConditions(c, "g", replacements), ...userConditions(c, "g.userId", replacements));
  return {
    from: `user_search_grams g${long || needsUserRow(c) ? " JOIN users u ON u.id = g.userId" : ""}`,
    where: where.join(" AND "),
    replacements,
    // One gram holds each user once; two grams may both hold one.
    distinct: grams.length > 1,
  };
}

/** Every user, in list order straight from the (unitId, departmentId) index. */
function userSql(c: SearchConditions): Sql {
  const replacements: Record<string, unknown> = {};
  const where = ["1 = 1"];
  where.push(...placeConditions(c, "u", replacements), ...userConditions(c, "u.id", replacements));
  return { from: "users u", where: where.join(" AND "), replacements };
}

/**
 * Totals are exact up to `exactUpTo` matches, counted in the statement that
 * reads the page (a bounded scan). A larger total (伟 or zhang among 100,000
 * people: thousands of index entries to count on every page turn) is counted
 * once and kept by this instance for `largeTotalMs`, so it may lag changes
 * made meanwhile by up to that long; the page itself is always current.
 */
export const totals = { exactUpTo: 1000, largeTotalMs: 5000 };
const largeTotals = new Map<string, { count: number; at: number }>();
const LARGE_TOTALS_KEPT = 1000;

async function largeTotal(key: string, count: () => Promise<number>): Promise<number> {
  const now = Date.now();
  const kept = largeTotals.get(key);
  if (kept && now - kept.at < totals.largeTotalMs) return kept.count;
  const n = await count();
  if (largeTotals.size >= LARGE_TOTALS_KEPT) largeTotals.clear();
  largeTotals.set(key, { count: n, at: now });
  return n;
}

/** The page's users, for the caller's select list over `u`. */
const PAGE_JOINS = "JOIN users u ON u.id = p.userId ORDER BY p.unitId, p.departmentId, p.userId";

/**
 * One page of matching users in list order (unit, department, id) — the
 * page is picked from an index and only its users are read, with `columns` —
 * and how many match in all. Without search text and filters on the users
 * themselves, the total is a sum over the maintained per-unit counts.
 */
export async function findUsers(
  sequelize: Sequelize,
  c: SearchConditions,
  page: { limit: number; offset: number; columns: string },
): Promise<{ rows: Record<string, unknown>[]; count: number }> {
  if (c.unitIds && c.unitIds.length === 0) return { rows: [], count: 0 };
  const text = c.text?.trim().toLowerCase();
  const select = <T extends object>(sql: string, replacements: Record<string, unknown>) =>
    sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  const paging = { limit: page.limit, offset: page.offset };

  /** The matches, unordered: the page orders and pages them, the bounded total counts a few of them. */
  let matchSql: string;
  let order: string;
  let countSql: string;
  let replacements: Record<string, unknown>;
  if (text) {
    const s = gramSql(c, text);
    replacements = s.replacements;
    matchSql = `SELECT ${s.distinct ? "DISTINCT " : ""}g.unitId, g.departmentId, g.userId FROM ${s.from} WHERE ${s.where}`;
    order = "g.unitId, g.departmentId, g.userId";
    countSql = `SELECT ${s.distinct ? "COUNT(DISTINCT g.userId)" : "COUNT(*)"} AS n FROM ${s.from} WHERE ${s.where}`;
  } else {
    const s = userSql(c);
    replacements = s.replacements;
    matchSql = `SELECT u.unitId, u.departmentId, u.id AS userId FROM ${s.from} WHERE ${s.where}`;
    order = "u.unitId, u.departmentId, u.id";
    const userFilters = needsUserRow(c) || c.withoutRoles || c.excludeAdministrators;
    countSql = userFilters
      ? `SELECT COUNT(*) AS n FROM ${s.from} WHERE ${s.where}`
      : "SELECT COALESCE(SUM(c.users), 0) AS n FROM unit_user_counts c WHERE 1 = 1" +
        (c.unitIds ? " AND c.unitId IN (:unitIds)" : "") +
        (c.departmentId ? " AND c.departmentId = :departmentId" : "");
  }
  const pageSql = `${matchSql} ORDER BY ${order} LIMIT :limit OFFSET :offset`;
  const exactCount = async () => Number((await select<{ n: number | string }>(countSql, replacements))[0]?.n ?? 0);
  // A search's total rides along with the page (an uncorrelated subquery, run once), counting at most one
  // match past exactUpTo; without search text it is the sum of maintained counts, cheap at any size.
  const boundedSql = text ? `SELECT COUNT(*) FROM (${matchSql} LIMIT ${totals.exactUpTo + 1}) b` : countSql;
  const rows = await select<Record<string, unknown>>(
    `SELECT ${page.columns}, (${boundedSql}) AS total FROM (${pageSql}) p ${PAGE_JOINS}`,
    { ...replacements, ...paging },
  );
  // A page past the end needs its own count.
  if (!rows[0]) return { rows, count: await exactCount() };
  const bounded = Number(rows[0].total);
  if (!text || bounded <= totals.exactUpTo) return { rows, count: bounded };
  return { rows, count: await largeTotal(JSON.stringify([countSql, replacements]), exactCount) };
}

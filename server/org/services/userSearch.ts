import { QueryTypes, type Sequelize } from "sequelize";

/**
 * SQL for user lists and search, over `user_search_terms` and
 * `unit_user_counts` (migration 0006, kept by triggers). Terms compare by code
 * point on both databases, so "starts with p" is the range [p, p⁺) where p⁺
 * is p with its last character raised by one: an index range, no LIKE.
 */

/** The half-open range of strings that start with `prefix`. */
export function prefixRange(prefix: string): [low: string, high: string] {
  const chars = [...prefix];
  const last = chars.pop()?.codePointAt(0);
  if (last === undefined) return ["", "\u{10FFFF}"];
  let next = last + 1;
  if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // surrogates are not characters
  if (next > 0x10ffff) return [prefix, `${prefix}\u{10FFFF}`];
  return [prefix, chars.join("") + String.fromCodePoint(next)];
}

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

/** Matching users through their terms; the unit and department come from the term rows. */
function termSql(c: SearchConditions, text: string): Sql {
  const replacements: Record<string, unknown> = {};
  const compact = text.replace(/\s+/g, "");
  const nameKinds = c.matchUsername ? ["u", "n"] : ["n"];
  const ranges: string[] = [];
  const range = (key: string, value: string, kinds: string[]) => {
    const [low, high] = prefixRange(value);
    replacements[`${key}Low`] = low;
    replacements[`${key}High`] = high;
    replacements[`${key}Kinds`] = kinds;
    ranges.push(`(t.term >= :${key}Low AND t.term < :${key}High AND t.kind IN (:${key}Kinds))`);
  };
  // Pinyin and initials are matched without the spaces people type between syllables.
  if (compact === text) range("text", text, [...nameKinds, "p", "i"]);
  else {
    range("text", text, nameKinds);
    if (compact) range("compact", compact, ["p", "i"]);
  }
  const where = [`(${ranges.join(" OR ")})`];
  if (c.unitIds) {
    where.push("t.unitId IN (:unitIds)");
    replacements.unitIds = c.unitIds;
  }
  if (c.departmentId) {
    where.push("t.departmentId = :departmentId");
    replacements.departmentId = c.departmentId;
  }
  where.push(...userConditions(c, "t.userId", replacements));
  return {
    from: `user_search_terms t${needsUserRow(c) ? " JOIN users u ON u.id = t.userId" : ""}`,
    where: where.join(" AND "),
    replacements,
  };
}

/** Every user, in list order straight from the (unitId, departmentId) index. */
function userSql(c: SearchConditions): Sql {
  const replacements: Record<string, unknown> = {};
  const where = ["1 = 1"];
  if (c.unitIds) {
    where.push("u.unitId IN (:unitIds)");
    replacements.unitIds = c.unitIds;
  }
  if (c.departmentId) {
    where.push("u.departmentId = :departmentId");
    replacements.departmentId = c.departmentId;
  }
  where.push(...userConditions(c, "u.id", replacements));
  return { from: "users u", where: where.join(" AND "), replacements };
}

/** The page's users with their unit, department and position, for the caller's select list over u, uu, ud, up. */
const PAGE_JOINS =
  "JOIN users u ON u.id = p.userId LEFT JOIN units uu ON uu.id = u.unitId" +
  " LEFT JOIN departments ud ON ud.id = u.departmentId LEFT JOIN positions up ON up.id = u.positionId" +
  " ORDER BY p.unitId, p.departmentId, p.userId";

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

  let pageSql: string;
  let countSql: string;
  let replacements: Record<string, unknown>;
  if (text) {
    const s = termSql(c, text);
    replacements = s.replacements;
    pageSql =
      `SELECT DISTINCT t.unitId, t.departmentId, t.userId FROM ${s.from} WHERE ${s.where}` +
      " ORDER BY t.unitId, t.departmentId, t.userId LIMIT :limit OFFSET :offset";
    countSql = `SELECT COUNT(DISTINCT t.userId) AS n FROM ${s.from} WHERE ${s.where}`;
  } else {
    const s = userSql(c);
    replacements = s.replacements;
    pageSql =
      `SELECT u.unitId, u.departmentId, u.id AS userId FROM ${s.from} WHERE ${s.where}` +
      " ORDER BY u.unitId, u.departmentId, u.id LIMIT :limit OFFSET :offset";
    const userFilters = needsUserRow(c) || c.withoutRoles || c.excludeAdministrators;
    countSql = userFilters
      ? `SELECT COUNT(*) AS n FROM ${s.from} WHERE ${s.where}`
      : "SELECT COALESCE(SUM(c.users), 0) AS n FROM unit_user_counts c WHERE 1 = 1" +
        (c.unitIds ? " AND c.unitId IN (:unitIds)" : "") +
        (c.departmentId ? " AND c.departmentId = :departmentId" : "");
  }
  const [rows, counted] = await Promise.all([
    select<Record<string, unknown>>(`SELECT ${page.columns} FROM (${pageSql}) p ${PAGE_JOINS}`, {
      ...replacements,
      ...paging,
    }),
    select<{ n: number | string }>(countSql, replacements),
  ]);
  return { rows, count: Number(counted[0]?.n ?? 0) };
}

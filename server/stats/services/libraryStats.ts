import { QueryTypes, type Sequelize } from "sequelize";
import { PUBLIC_UNIT_KIND } from "../../org/models/unit.js";
import type { UsageKind } from "./usage.js";

/**
 * The city's day: statistics count days and months in China Standard Time
 * (UTC+8, no daylight saving), whatever the server's clock, so a patron active
 * at 07:00 in Nanning counts for that day and not the one before.
 */
export const STATS_UTC_OFFSET_HOURS = 8;

// A public patron is a user in the unit of kind PUBLIC_UNIT_KIND (migration 0025); a civil servant any other user.

/** The events shown beside the loans, by the name each figure goes by. */
const COUNTED = {
  downloads: "library.download",
  navigations: "library.navigate",
  searches: "library.search",
  reads: "library.read",
  opds: "library.opds",
} as const satisfies Record<string, UsageKind>;
type Counted = keyof typeof COUNTED;

/** What makes a patron active on a day: any use of the library. */
const ACTIVE_KINDS: readonly UsageKind[] = [
  "library.register",
  "library.navigate",
  "library.search",
  "library.borrow",
  "library.read",
  "library.download",
  "library.opds",
];

export type Figures = Record<Counted | "borrowings", number>;

export interface DayFigures extends Figures {
  /** YYYY-MM-DD in the city's time. */
  day: string;
  /** Distinct patrons who used the library that day. */
  active: number;
}

export interface MonthFigures extends Figures {
  /** YYYY-MM in the city's time. */
  month: string;
  /** Public patrons who registered that month. */
  registrations: number;
  /** Public patrons registered by the month's end. */
  patrons: number;
  /** Distinct patrons who used the library in the month. */
  active: number;
  /** The month's busiest day by distinct patrons, or null when nobody came. */
  peak: { day: string; active: number } | null;
}

export interface LibraryStatistics {
  from: string;
  to: string;
  months: MonthFigures[];
  /** Every day of the range on which anything was counted, in order. */
  days: DayFigures[];
  totals: Figures & {
    registrations: number;
    /** Distinct patrons active over the whole range. */
    active: number;
    peak: { day: string; active: number } | null;
  };
  /** Who may use the library now: public patrons and civil servants holding library.use (accounts not disabled). */
  users: { patrons: number; staff: number };
}

const zero = (): Figures => ({ borrowings: 0, downloads: 0, navigations: 0, searches: 0, reads: 0, opds: 0 });

/** The instant a month (YYYY-MM) begins in the city's time. */
function monthStart(month: string): Date {
  const [year, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(year, m - 1, 1) - STATS_UTC_OFFSET_HOURS * 3600_000);
}

/** The month after a month (YYYY-MM). */
function nextMonth(month: string): string {
  const [year, m] = month.split("-").map(Number) as [number, number];
  return m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, "0")}`;
}

/** The months from `from` to `to`, both included (none when `to` comes first). */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let month = from; month <= to; month = nextMonth(month)) out.push(month);
  return out;
}

/** The SQL for a column's day (YYYY-MM-DD) or month (YYYY-MM) in the city's time, on either database. */
function period(sequelize: Sequelize, column: string, unit: "day" | "month"): string {
  if (sequelize.getDialect() === "sqlite") {
    return `strftime('${unit === "day" ? "%Y-%m-%d" : "%Y-%m"}', ${column}, '+${STATS_UTC_OFFSET_HOURS} hours')`;
  }
  return `DATE_FORMAT(${column} + INTERVAL ${STATS_UTC_OFFSET_HOURS} HOUR, '${unit === "day" ? "%Y-%m-%d" : "%Y-%m"}')`;
}

/**
 * The library's figures for the months `from`..`to` (YYYY-MM, city time):
 * what the seed reported — registered patrons, daily active patrons and the
 * daily peak, borrowings, downloads, catalogue navigation and searches. Each
 * figure is one GROUP BY over an indexed time range (usage_events by kind and
 * time, loans by borrowedAt); the rows never come to JavaScript, only a count
 * per day or month.
 */
export async function libraryStatistics(
  sequelize: Sequelize,
  range: { from: string; to: string },
): Promise<LibraryStatistics> {
  const months = monthsBetween(range.from, range.to);
  const start = monthStart(range.from);
  const next = months.length ? monthStart(nextMonth(range.to)) : start;
  const select = <T extends object>(sql: string, replacements: Record<string, unknown>) =>
    sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements: { start, next, ...replacements } });
  const eventDay = period(sequelize, "at", "day");
  const eventMonth = period(sequelize, "at", "month");
  const inRange = "at >= :start AND at < :next";

  const [events, loans, dailyActive, monthlyActive, rangeActive, registrations, before, users] = await Promise.all([
    select<{ kind: string; day: string; n: number | string }>(
      `SELECT kind, ${eventDay} AS day, COUNT(*) AS n FROM usage_events
       WHERE kind IN (:kinds) AND ${inRange} GROUP BY kind, ${eventDay}`,
      { kinds: Object.values(COUNTED) },
    ),
    select<{ day: string; n: number | string }>(
      `SELECT ${period(sequelize, "borrowedAt", "day")} AS day, COUNT(*) AS n FROM library_loans
       WHERE borrowedAt >= :start AND borrowedAt < :next GROUP BY ${period(sequelize, "borrowedAt", "day")}`,
      {},
    ),
    select<{ day: string; n: number | string }>(
      `SELECT ${eventDay} AS day, COUNT(DISTINCT userId) AS n FROM usage_events
       WHERE kind IN (:active) AND ${inRange} AND userId IS NOT NULL GROUP BY ${eventDay}`,
      { active: ACTIVE_KINDS },
    ),
    select<{ month: string; n: number | string }>(
      `SELECT ${eventMonth} AS month, COUNT(DISTINCT userId) AS n FROM usage_events
       WHERE kind IN (:active) AND ${inRange} AND userId IS NOT NULL GROUP BY ${eventMonth}`,
      { active: ACTIVE_KINDS },
    ),
    select<{ n: number | string }>(
      `SELECT COUNT(DISTINCT userId) AS n FROM usage_events
       WHERE kind IN (:active) AND ${inRange} AND userId IS NOT NULL`,
      { active: ACTIVE_KINDS },
    ),
    select<{ month: string; n: number | string }>(
      `SELECT ${period(sequelize, "u.createdAt", "month")} AS month, COUNT(*) AS n
       FROM users u JOIN units un ON un.id = u.unitId
       WHERE un.kind = :publicKind AND u.createdAt >= :start AND u.createdAt < :next
       GROUP BY ${period(sequelize, "u.createdAt", "month")}`,
      { publicKind: PUBLIC_UNIT_KIND },
    ),
    select<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM users u JOIN units un ON un.id = u.unitId
       WHERE un.kind = :publicKind AND u.createdAt < :start`,
      { publicKind: PUBLIC_UNIT_KIND },
    ),
    // One row per kind of account: who holds library.use through any role, among accounts not disabled.
    select<{ public: number | string; n: number | string }>(
      `SELECT CASE WHEN un.kind = :publicKind THEN 1 ELSE 0 END AS public, COUNT(DISTINCT u.id) AS n
       FROM users u JOIN units un ON un.id = u.unitId
       JOIN role_assignments ra ON ra.userId = u.id
       JOIN role_permissions rp ON rp.roleId = ra.roleId AND rp.permissionCode = 'library.use'
       WHERE u.disabled = :off
       GROUP BY CASE WHEN un.kind = :publicKind THEN 1 ELSE 0 END`,
      { publicKind: PUBLIC_UNIT_KIND, off: false },
    ),
  ]);

  // Days: counts per kind, loans and active patrons, merged by day (a few hundred rows at most).
  const byDay = new Map<string, DayFigures>();
  const dayOf = (day: string) => {
    let found = byDay.get(day);
    if (!found) byDay.set(day, (found = { day, active: 0, ...zero() }));
    return found;
  };
  const figureOf = new Map<string, Counted>(Object.entries(COUNTED).map(([figure, kind]) => [kind, figure as Counted]));
  for (const row of events) {
    const figure = figureOf.get(row.kind);
    if (figure) dayOf(row.day)[figure] += Number(row.n);
  }
  for (const row of loans) dayOf(row.day).borrowings += Number(row.n);
  for (const row of dailyActive) dayOf(row.day).active = Number(row.n);
  const days = [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));

  const activeByMonth = new Map(monthlyActive.map((r) => [r.month, Number(r.n)]));
  const registeredByMonth = new Map(registrations.map((r) => [r.month, Number(r.n)]));
  let patrons = Number(before[0]?.n ?? 0);
  const monthRows: MonthFigures[] = months.map((month) => {
    const figures = zero();
    let peak: MonthFigures["peak"] = null;
    for (const day of days) {
      if (!day.day.startsWith(`${month}-`)) continue;
      for (const key of Object.keys(figures) as (keyof Figures)[]) figures[key] += day[key];
      if (day.active > 0 && (!peak || day.active > peak.active)) peak = { day: day.day, active: day.active };
    }
    const registered = registeredByMonth.get(month) ?? 0;
    patrons += registered;
    return { month, ...figures, registrations: registered, patrons, active: activeByMonth.get(month) ?? 0, peak };
  });

  const totals = {
    ...zero(),
    registrations: 0,
    active: Number(rangeActive[0]?.n ?? 0),
    peak: null as MonthFigures["peak"],
  };
  for (const row of monthRows) {
    for (const key of Object.keys(zero()) as (keyof Figures)[]) totals[key] += row[key];
    totals.registrations += row.registrations;
    if (row.peak && (!totals.peak || row.peak.active > totals.peak.active)) totals.peak = row.peak;
  }
  const holders = (isPublic: number) => Number(users.find((r) => Number(r.public) === isPublic)?.n ?? 0);
  return {
    from: range.from,
    to: range.to,
    months: monthRows,
    days,
    totals,
    users: { patrons: holders(1), staff: holders(0) },
  };
}

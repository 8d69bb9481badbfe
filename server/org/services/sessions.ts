import { createHash, randomBytes } from "node:crypto";
import { Op, QueryTypes, type QueryOptions, type Sequelize, type Transaction } from "sequelize";
import { ASSIGNMENT_COLUMNS, grantsFrom, type AssignmentRow, type Grant } from "../../core/actor.js";
import { columnsOf, instanceOf } from "../../core/rows.js";
import { Session, User } from "../models/index.js";
import { AUTHZ_VERSION_COLUMN, snapshotAt } from "./orgSnapshot.js";
import { securityPolicyFromStored, type SecurityPolicy } from "./settings.js";

/** lastSeenAt is written at most this often, so reads do not turn into writes. */
const TOUCH_INTERVAL_MS = 60_000;

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export async function openSession(props: {
  userId: number;
  ip: string | null;
  userAgent: string | null;
  policy: SecurityPolicy;
}): Promise<{ token: string; session: Session }> {
  const token = randomBytes(32).toString("base64url");
  const now = new Date();
  const session = await Session.create({
    id: hashToken(token),
    userId: props.userId,
    ip: props.ip,
    userAgent: props.userAgent?.slice(0, 255) ?? null,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + props.policy.sessionMaxHours * 3_600_000),
  });
  return { token, session };
}

export type SessionLookup =
  | { status: "valid"; session: Session; user: User; grants: Grant[]; policy: SecurityPolicy }
  | { status: "expired" }
  | { status: "none" };

/**
 * Every request reads its session and user, so the row carries only what
 * requests use: no secrets (the routes that need them read them fresh), no
 * search keys or login counters, no session bookkeeping. Columns added to the
 * models later come along by themselves.
 */
const SKIPPED_USER_FIELDS = new Set([
  "passwordHash",
  "totpSecret",
  "recoveryCodes",
  "pinyin",
  "pinyinInitials",
  "failedLogins",
  "updatedAt",
]);
const SKIPPED_SESSION_FIELDS = new Set(["ip", "userAgent", "createdAt", "updatedAt"]);

let resumeSql: string | null = null;

/**
 * One statement: the session, its user, the user's role assignments (one row
 * each), the authz_version the instance's snapshot of roles and units is
 * checked against, and the stored security policy. Its rows are kept for at
 * most SESSION_CACHE_MS (below).
 */
function resumeStatement(): string {
  resumeSql ??= [
    "SELECT",
    [
      ...columnsOf(Session, "s", "s_", SKIPPED_SESSION_FIELDS),
      ...columnsOf(User, "u", "u_", SKIPPED_USER_FIELDS),
      ASSIGNMENT_COLUMNS,
      AUTHZ_VERSION_COLUMN,
      "(SELECT value FROM settings WHERE `key` = 'security.policy') AS policyText",
    ].join(", "),
    "FROM sessions s",
    "LEFT JOIN users u ON u.id = s.userId",
    "LEFT JOIN role_assignments ra ON ra.userId = u.id",
    "WHERE s.id = ?",
    "ORDER BY ra.id",
  ].join(" ");
  return resumeSql;
}

/**
 * How long an instance may answer from its own copy of a session's rows
 * before reading them again: the bound within which a change made through
 * another instance (or outside the application) counts here — an ended
 * session, a disabled user, a changed assignment or role. A change this
 * process commits itself counts at once (see `forgetSessionsOnWrite`).
 * A page load sends several requests at once; they share one read.
 */
export const SESSION_CACHE_MS = 1000;
const SESSION_CACHE_MAX = 10_000;

const sessionCache = new Map<string, { rows: readonly Record<string, unknown>[]; until: number }>();
/** Raised whenever this process commits a write authentication reads; a read that saw an older one is not kept. */
let generation = 0;

function forgetSessions(): void {
  generation++;
  sessionCache.clear();
}

/** The tables whose rows resumeStatement reads, directly or through the org snapshot. */
const READ_TABLES = new Set([
  "sessions",
  "users",
  "role_assignments",
  "roles",
  "role_permissions",
  "units",
  "departments",
  "positions",
  "settings",
  "authz_version",
]);
const WRITE = /^\s*(?:INSERT(?:\s+OR\s+\w+)?(?:\s+IGNORE)?\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+[`"]?(\w+)/i;
const watching = new WeakSet<object>();

/**
 * Drops every cached session when this process writes a table authentication
 * reads: after the commit when inside a transaction (a read before it would
 * only see the old rows), at once otherwise. Every statement passes here,
 * raw SQL included, so no write path has to remember to call it.
 */
function forgetSessionsOnWrite(sequelize: Sequelize): void {
  if (watching.has(sequelize)) return;
  watching.add(sequelize);
  const pending = new WeakSet<Transaction>();
  sequelize.addHook("afterQuery", (options: QueryOptions, query: object) => {
    const sql = "sql" in query ? query.sql : undefined; // set by Sequelize's Query.run, not in its types
    const table = typeof sql === "string" ? WRITE.exec(sql)?.[1] : undefined;
    if (!table || !READ_TABLES.has(table.toLowerCase())) return;
    const transaction = options.transaction;
    if (!transaction) return forgetSessions();
    if (pending.has(transaction)) return;
    pending.add(transaction);
    transaction.afterCommit(forgetSessions);
  });
}

async function sessionRows(sequelize: Sequelize, id: string): Promise<readonly Record<string, unknown>[]> {
  const now = Date.now();
  const cached = sessionCache.get(id);
  if (cached && cached.until > now) return cached.rows;
  const seen = generation;
  const rows = await sequelize.query<Record<string, unknown>>(resumeStatement(), {
    replacements: [id],
    type: QueryTypes.SELECT,
  });
  if (seen === generation) {
    if (sessionCache.size >= SESSION_CACHE_MAX) {
      for (const [key, entry] of sessionCache) if (entry.until <= now) sessionCache.delete(key);
      if (sessionCache.size >= SESSION_CACHE_MAX) sessionCache.clear();
    }
    sessionCache.set(id, { rows, until: now + SESSION_CACHE_MS });
  }
  return rows;
}

/** Finds the session for a cookie token, ending it if it idled out or the user was disabled. */
export async function resumeSession(token: string): Promise<SessionLookup> {
  const sequelize = Session.sequelize;
  if (!sequelize) throw new Error("models are not initialised");
  forgetSessionsOnWrite(sequelize);
  // Instances are built afresh for every request from the (possibly shared) rows: requests never share objects.
  const rows = await sessionRows(sequelize, hashToken(token));
  const first = rows[0];
  const session = first && instanceOf(Session, first, "s_");
  if (!first || !session) return { status: "none" };
  const policy = securityPolicyFromStored(typeof first.policyText === "string" ? first.policyText : null);
  const now = Date.now();
  const idleLimit = session.lastSeenAt.getTime() + policy.idleTimeoutMinutes * 60_000;
  const user = instanceOf(User, first, "u_");
  if (now > idleLimit || now > session.expiresAt.getTime() || !user || user.disabled) {
    await Session.destroy({ where: { id: session.id } });
    return { status: "expired" };
  }
  if (now - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await Session.update({ lastSeenAt: new Date(now) }, { where: { id: session.id } });
  }
  const snapshot = await snapshotAt(Number(first.authzVersion ?? 0));
  // Shared, read-only instances from the snapshot: presenters read them, nothing saves them.
  user.unit = snapshot.units.get(user.unitId);
  user.department = user.departmentId === null ? null : (snapshot.departments.get(user.departmentId) ?? null);
  user.position = user.positionId === null ? null : (snapshot.positions.get(user.positionId) ?? null);
  const assignments = rows.flatMap((r): AssignmentRow[] =>
    r.assignmentId === null || r.assignmentId === undefined
      ? []
      : [
          {
            assignmentId: Number(r.assignmentId),
            userId: Number(r.userId),
            roleId: Number(r.roleId),
            unitId: r.unitId === null || r.unitId === undefined ? null : Number(r.unitId),
          },
        ],
  );
  const grants = grantsFrom(assignments, snapshot).get(user.id) ?? [];
  return { status: "valid", session, user, grants, policy };
}

export async function endSession(sessionId: string): Promise<void> {
  await Session.destroy({ where: { id: sessionId } });
}

/** Ends every session of a user but the one given (after a password change or disable). */
export async function endOtherSessions(userId: number, keepSessionId?: string): Promise<void> {
  await Session.destroy({
    where: keepSessionId ? { userId, id: { [Op.ne]: keepSessionId } } : { userId },
  });
}

export async function purgeExpiredSessions(): Promise<number> {
  return Session.destroy({ where: { expiresAt: { [Op.lt]: new Date() } } });
}

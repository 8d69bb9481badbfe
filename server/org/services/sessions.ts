import { createHash, randomBytes } from "node:crypto";
import { Op, QueryTypes } from "sequelize";
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
 * One statement per request: the session, its user, the user's role
 * assignments (one row each), the authz_version the instance's snapshot of
 * roles and units is checked against, and the stored security policy. Nothing
 * in it is cached, so an ended session, a disabled user or a changed
 * assignment count from the next request on, on every instance.
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

/** Finds the session for a cookie token, ending it if it idled out or the user was disabled. */
export async function resumeSession(token: string): Promise<SessionLookup> {
  const sequelize = Session.sequelize;
  if (!sequelize) throw new Error("models are not initialised");
  const rows = await sequelize.query<Record<string, unknown>>(resumeStatement(), {
    replacements: [hashToken(token)],
    type: QueryTypes.SELECT,
  });
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

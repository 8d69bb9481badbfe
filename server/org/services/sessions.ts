import { createHash, randomBytes } from "node:crypto";
import { Op, QueryTypes } from "sequelize";
import {
  ASSIGNMENT_COLUMNS,
  AUTHZ_VERSION_COLUMN,
  grantsFromAssignments,
  type AssignmentRow,
  type Grant,
} from "../../core/actor.js";
import { columnsOf, instanceOf } from "../../core/rows.js";
import { Department, Position, Session, Unit, User } from "../models/index.js";
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

/** Secrets stay out of the per-request user: the routes that need them read them fresh. */
const SECRET_USER_FIELDS = new Set(["passwordHash", "totpSecret", "recoveryCodes"]);

let resumeSql: string | null = null;

/**
 * One statement per request: the session, its user with unit, department and
 * position, the user's role assignments (one row each), the authz_version the
 * cached role maps are checked against, and the stored security policy.
 * Nothing in it is cached, so an ended session, a disabled user or a changed
 * assignment count from the next request on, on every instance.
 */
function resumeStatement(): string {
  resumeSql ??= [
    "SELECT",
    [
      ...columnsOf(Session, "s", "s_"),
      ...columnsOf(User, "u", "u_", SECRET_USER_FIELDS),
      ...columnsOf(Unit, "uu", "uu_"),
      ...columnsOf(Department, "ud", "ud_"),
      ...columnsOf(Position, "up", "up_"),
      ASSIGNMENT_COLUMNS,
      AUTHZ_VERSION_COLUMN,
      "(SELECT value FROM settings WHERE `key` = 'security.policy') AS policyText",
    ].join(", "),
    "FROM sessions s",
    "LEFT JOIN users u ON u.id = s.userId",
    "LEFT JOIN units uu ON uu.id = u.unitId",
    "LEFT JOIN departments ud ON ud.id = u.departmentId",
    "LEFT JOIN positions up ON up.id = u.positionId",
    "LEFT JOIN role_assignments ra ON ra.userId = u.id",
    "LEFT JOIN units au ON au.id = ra.unitId",
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
  user.unit = instanceOf(Unit, first, "uu_") ?? undefined;
  user.department = instanceOf(Department, first, "ud_");
  user.position = instanceOf(Position, first, "up_");
  if (now - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await Session.update({ lastSeenAt: new Date(now) }, { where: { id: session.id } });
  }
  const assignments = rows.flatMap((r): AssignmentRow[] =>
    r.assignmentId === null || r.assignmentId === undefined
      ? []
      : [
          {
            assignmentId: Number(r.assignmentId),
            userId: Number(r.userId),
            roleId: Number(r.roleId),
            unitId: r.unitId === null ? null : Number(r.unitId),
            unitName: typeof r.unitName === "string" ? r.unitName : null,
            unitPath: typeof r.unitPath === "string" ? r.unitPath : null,
          },
        ],
  );
  const grants = await grantsFromAssignments(assignments, Number(first.authzVersion ?? 0));
  return { status: "valid", session, user, grants: grants.get(user.id) ?? [], policy };
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

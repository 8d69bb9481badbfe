import { createHash, randomBytes } from "node:crypto";
import { Op } from "sequelize";
import { Session, User } from "../models/index.js";
import type { SecurityPolicy } from "./settings.js";

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
  { status: "valid"; session: Session; user: User } | { status: "expired" } | { status: "none" };

/** Finds the session for a cookie token, ending it if it idled out or the user was disabled. */
export async function resumeSession(token: string, policy: SecurityPolicy): Promise<SessionLookup> {
  const session = await Session.findByPk(hashToken(token));
  if (!session) return { status: "none" };
  const now = Date.now();
  const idleLimit = session.lastSeenAt.getTime() + policy.idleTimeoutMinutes * 60_000;
  if (now > idleLimit || now > session.expiresAt.getTime()) {
    await session.destroy();
    return { status: "expired" };
  }
  const user = await User.findByPk(session.userId);
  if (!user || user.disabled) {
    await session.destroy();
    return { status: "expired" };
  }
  if (now - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await Session.update({ lastSeenAt: new Date(now) }, { where: { id: session.id } });
  }
  return { status: "valid", session, user };
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

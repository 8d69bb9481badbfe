import { createHash, timingSafeEqual } from "node:crypto";
import type { Sequelize } from "sequelize";
import { User } from "../../org/models/index.js";
import { attemptLogin, type LoginFailure } from "../../org/services/loginAgent.js";
import { LoginThrottle, type LoginLimits } from "../../org/services/loginThrottle.js";
import { readSecurityPolicy } from "../../org/services/settings.js";

/** user-id and password of an `Authorization: Basic …` header (RFC 7617, UTF-8), or null when it is none. */
export function basicCredentials(header: string | undefined): { username: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export type BasicOutcome =
  | { ok: true; user: User }
  | { ok: false; reason: "throttled"; waitSeconds: number }
  | { ok: false; reason: LoginFailure; user: User | null; lockedNow: boolean; lockoutMinutes: number };

/** How long a checked password is taken on trust for the same account and hash (one reader app's browsing session). */
const TRUST_MS = 5 * 60_000;
const TRUSTED_MAX = 10_000;

/**
 * HTTP Basic sign-in for reader apps (OPDS), over the same accounts, lockout
 * and rate limits as the web's sign-in (org/services/loginAgent.ts,
 * loginThrottle.ts), as the mail submission port does for SMTP AUTH.
 *
 * Basic sends the password with every request, and a reader app browsing
 * the catalogue makes dozens: checking each would cost a password hash and use
 * up the per-account sign-in limit (10 a minute) in a few pages. So a
 * password that was right is trusted for a few minutes — for the same account,
 * only while its stored hash is unchanged and it is neither disabled nor
 * locked, which is read from the database on every request. Nothing else is
 * kept in memory; a wrong password always goes the whole way (limits, lockout).
 */
export class BasicAuthenticator {
  private readonly throttle: LoginThrottle;
  private readonly trusted = new Map<string, { userId: number; passwordHash: string; until: number }>();

  constructor(
    private readonly sequelize: Sequelize,
    limits: LoginLimits,
    private readonly hashCost: number,
  ) {
    this.throttle = new LoginThrottle(sequelize, limits);
  }

  async authenticate(ip: string, username: string, password: string): Promise<BasicOutcome> {
    const key = trustKey(username, password);
    const trusted = this.trusted.get(key);
    if (trusted && trusted.until > Date.now()) {
      const user = await User.findByPk(trusted.userId);
      const lockedUntil = user?.lockedUntil?.getTime() ?? 0;
      if (user && !user.disabled && lockedUntil <= Date.now() && sameText(user.passwordHash, trusted.passwordHash))
        return { ok: true, user };
    }
    this.trusted.delete(key);
    const waitSeconds = await this.throttle.attempt(ip, username);
    if (waitSeconds !== null) return { ok: false, reason: "throttled", waitSeconds };
    const policy = await readSecurityPolicy();
    const result = await attemptLogin(this.sequelize, { username, password }, policy, this.hashCost);
    if (!result.ok)
      return {
        ok: false,
        reason: result.reason,
        user: result.user,
        lockedNow: result.lockedNow,
        lockoutMinutes: policy.lockoutMinutes,
      };
    // The hash as stored now (a sign-in may have upgraded its cost).
    const user = (await User.findByPk(result.user.id)) ?? result.user;
    this.trusted.set(key, { userId: user.id, passwordHash: user.passwordHash, until: Date.now() + TRUST_MS });
    // The oldest go first (a Map keeps insertion order).
    while (this.trusted.size > TRUSTED_MAX) this.trusted.delete(this.trusted.keys().next().value!);
    return { ok: true, user };
  }
}

/** Only a digest of the pair is kept, never the password; the name as typed (SQLite tells case apart, MariaDB not). */
const trustKey = (username: string, password: string) =>
  createHash("sha256").update(username).update("\0").update(password).digest("base64");

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

import type { Sequelize } from "sequelize";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { consumeAll, sqlRateLimiter } from "../../core/rateLimit.js";

export interface LoginLimits {
  perIp: number;
  perAccount: number;
  windowSeconds: number;
}

/**
 * Rate limits for sign-in, per client IP and per username (whether or not the
 * account exists, so the limit tells nothing about it). Every attempt counts,
 * right or wrong: each one costs a password hash. The lockout still decides about
 * guessing; this keeps anonymous floods from reaching the hash at all.
 */
export class LoginThrottle {
  private limiters?: Promise<{ byIp: RateLimiterAbstract; byAccount: RateLimiterAbstract }>;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly limits: LoginLimits,
  ) {}

  private stores() {
    this.limiters ??= Promise.all([
      sqlRateLimiter(this.sequelize, {
        keyPrefix: "login_ip",
        points: this.limits.perIp,
        duration: this.limits.windowSeconds,
      }),
      sqlRateLimiter(this.sequelize, {
        keyPrefix: "login_user",
        points: this.limits.perAccount,
        duration: this.limits.windowSeconds,
      }),
    ]).then(([byIp, byAccount]) => ({ byIp, byAccount }));
    return this.limiters;
  }

  /** Counts an attempt; null when it may go ahead, else the seconds to wait. */
  async attempt(ip: string, username: string): Promise<number | null> {
    const { byIp, byAccount } = await this.stores();
    return consumeAll([
      [byIp, ip],
      [byAccount, accountKey(username)],
    ]);
  }

  /** Forgets the username's attempts (break-glass reset). */
  async resetAccount(username: string): Promise<void> {
    const { byAccount } = await this.stores();
    await byAccount.delete(accountKey(username));
  }
}

/** MariaDB compares usernames case-insensitively; the limit does so on every database. */
const accountKey = (username: string) => username.trim().toLowerCase();

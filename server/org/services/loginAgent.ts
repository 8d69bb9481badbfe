import { randomBytes } from "node:crypto";
import { col, type Sequelize } from "sequelize";
import { AppError } from "../../core/errors.js";
import { User } from "../models/index.js";
import { hashPassword, isPasswordHash, needsRehash, verifyPassword } from "./passwords.js";
import type { SecurityPolicy } from "./settings.js";
import { useRecoveryCode, useTotp } from "./totp.js";

export interface LoginAttempt {
  username: string;
  password: string;
  totp?: string;
  recoveryCode?: string;
}

/**
 * Why a login failed, for the audit log and metrics only. The caller is told
 * `error`, which is the same for an unknown user, a wrong password and a
 * locked account, so that none of them can be told apart from outside.
 */
export type LoginFailure =
  "unknown_user" | "invalid_credentials" | "account_locked" | "account_disabled" | "totp_required" | "invalid_totp";

export type LoginResult =
  | { ok: true; user: User; usedRecoveryCode: boolean }
  | { ok: false; user: User | null; reason: LoginFailure; error: AppError; lockedNow: boolean };

export const invalidCredentials = () => new AppError(401, "invalid_credentials", "Wrong username or password");

const dummyHashes = new Map<number, Promise<string>>();

/**
 * A hash of a random password at the configured cost. Unknown users, accounts
 * without a password and locked accounts are checked against it, so every
 * answer costs one hash run and response times do not tell them apart.
 */
export function dummyHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = hashPassword(randomBytes(16).toString("hex"), cost);
    dummyHashes.set(cost, hash);
  }
  return hash;
}

export type AttemptClaim = { claimed: true; locksIfWrong: boolean } | { claimed: false };

/**
 * Counts one password check against the account's failure budget BEFORE the
 * password is verified. The row is locked (FOR UPDATE on MariaDB; SQLite's
 * IMMEDIATE transaction holds the write lock), so in any interleaving of any
 * number of parallel attempts at most `lockoutThreshold` of them get to verify
 * the password before the account is locked. The claim that uses up the
 * budget sets the lock at once; if its password turns out right, success lifts
 * it again. A lockout that has run out starts a fresh budget.
 */
export async function claimAttempt(
  sequelize: Sequelize,
  userId: number,
  policy: SecurityPolicy,
): Promise<AttemptClaim> {
  return sequelize.transaction(async (transaction) => {
    const row = await User.findByPk(userId, {
      attributes: ["id", "failedLogins", "lockedUntil"],
      transaction,
      lock: transaction.LOCK.UPDATE,
    });
    if (!row) return { claimed: false as const };
    const now = Date.now();
    const lockedUntil = row.lockedUntil?.getTime() ?? null;
    if (lockedUntil !== null && lockedUntil > now) return { claimed: false as const };
    // An expired lockout (or a threshold lowered since) starts afresh.
    const used = lockedUntil !== null || row.failedLogins >= policy.lockoutThreshold ? 0 : row.failedLogins;
    const failedLogins = used + 1;
    const locksIfWrong = failedLogins >= policy.lockoutThreshold;
    await User.update(
      { failedLogins, lockedUntil: locksIfWrong ? new Date(now + policy.lockoutMinutes * 60_000) : null },
      { where: { id: userId }, transaction },
    );
    return { claimed: true as const, locksIfWrong };
  });
}

/** Gives a claimed attempt back: the check was not a failure (a right password awaiting its second factor). */
export async function refundAttempt(sequelize: Sequelize, userId: number, claim: AttemptClaim): Promise<void> {
  if (!claim.claimed) return;
  await sequelize.transaction(async (transaction) => {
    const row = await User.findByPk(userId, {
      attributes: ["id", "failedLogins", "lockedUntil"],
      transaction,
      lock: transaction.LOCK.UPDATE,
    });
    if (!row) return;
    await User.update(
      {
        failedLogins: Math.max(0, row.failedLogins - 1),
        // The lock this claim set in advance is lifted; a lock set by another attempt stays.
        ...(claim.locksIfWrong ? { lockedUntil: null } : {}),
      },
      { where: { id: userId }, transaction },
    );
  });
}

/** A right password: the failure count starts again. */
export async function clearFailures(sequelize: Sequelize, userId: number): Promise<void> {
  await sequelize.transaction((transaction) =>
    User.update({ failedLogins: 0, lockedUntil: null }, { where: { id: userId }, transaction }),
  );
}

export interface PasswordConfirmation {
  outcome: "ok" | "wrong" | "locked";
  /** This wrong password used up the budget: the account was locked just now. */
  lockedNow: boolean;
}

/**
 * Checks the password of a signed-in user who must confirm it (password change,
 * turning TOTP off) against the same failure budget as sign-in, so these forms
 * are no way around the lockout. Whoever holds the session may learn that the
 * account is locked; there is nothing to enumerate here.
 */
export async function confirmPassword(
  sequelize: Sequelize,
  user: User,
  password: string,
  policy: SecurityPolicy,
): Promise<PasswordConfirmation> {
  const claim = await claimAttempt(sequelize, user.id, policy);
  if (!claim.claimed) return { outcome: "locked", lockedNow: false };
  if (await verifyPassword(password, user.passwordHash)) {
    await clearFailures(sequelize, user.id);
    return { outcome: "ok", lockedNow: false };
  }
  return claim.locksIfWrong ? { outcome: "locked", lockedNow: true } : { outcome: "wrong", lockedNow: false };
}

/**
 * Checks a login. The attempt is counted before the password is verified (see
 * `claimAttempt`). An unknown user, a wrong password and a locked account get
 * the same answer after the same amount of work (one hash run); a locked
 * account is never checked against its real password. A disabled account is
 * named only to someone who knows its password. A right password stored in an
 * older form (scrypt, or argon2id at another memory setting) is hashed afresh
 * at the configured cost and stored with the sign-in.
 */
export async function attemptLogin(
  sequelize: Sequelize,
  attempt: LoginAttempt,
  policy: SecurityPolicy,
  hashCost: number,
): Promise<LoginResult> {
  const fail = (user: User | null, reason: LoginFailure, lockedNow = false, error = invalidCredentials()) => ({
    ok: false as const,
    user,
    reason,
    error,
    lockedNow,
  });
  const user = await User.findOne({ where: { username: attempt.username } });
  if (!user) {
    await verifyPassword(attempt.password, await dummyHash(hashCost));
    return fail(null, "unknown_user");
  }
  const claim = await claimAttempt(sequelize, user.id, policy);
  if (!claim.claimed) {
    await verifyPassword(attempt.password, await dummyHash(hashCost));
    return fail(user, "account_locked");
  }
  const stored = isPasswordHash(user.passwordHash) ? user.passwordHash : await dummyHash(hashCost);
  const passwordOk = (await verifyPassword(attempt.password, stored)) && stored === user.passwordHash;
  if (!passwordOk) return fail(user, "invalid_credentials", claim.locksIfWrong);

  if (user.disabled) {
    await refundAttempt(sequelize, user.id, claim);
    return fail(user, "account_disabled", false, new AppError(403, "account_disabled", "This account is disabled"));
  }
  let nextRecoveryCodes: string | null = null;
  if (user.totpEnabled && user.totpSecret) {
    if (!attempt.totp && !attempt.recoveryCode) {
      await refundAttempt(sequelize, user.id, claim);
      return fail(
        user,
        "totp_required",
        false,
        new AppError(401, "totp_required", "Enter the code from your authenticator app"),
      );
    }
    let secondFactorOk: boolean;
    if (attempt.recoveryCode) {
      nextRecoveryCodes = await useRecoveryCode(user.recoveryCodes, attempt.recoveryCode);
      secondFactorOk = nextRecoveryCodes !== null;
    } else {
      const secret = user.totpSecret;
      secondFactorOk = await sequelize.transaction((t) => useTotp(user.id, secret, attempt.totp ?? "", t));
    }
    if (!secondFactorOk) {
      const error = new AppError(401, "invalid_totp", "The authenticator code is wrong or expired");
      return fail(user, "invalid_totp", claim.locksIfWrong, error);
    }
  }
  // Once every factor is proved (a sign-in that fails its second factor costs no extra hash), and before
  // the transaction, so the write lock is never held across a hash.
  const rehashed = needsRehash(user.passwordHash, hashCost) ? await hashPassword(attempt.password, hashCost) : null;
  await sequelize.transaction(async (transaction) => {
    await User.update(
      {
        failedLogins: 0,
        lockedUntil: null,
        // Copied in the same UPDATE, from the row as it is, so two sign-ins at once cannot both
        // see the same "last" time. It comes first: MariaDB applies SET assignments left to right.
        previousLoginAt: col("lastLoginAt"),
        lastLoginAt: new Date(),
        ...(nextRecoveryCodes !== null ? { recoveryCodes: nextRecoveryCodes } : {}),
      },
      { where: { id: user.id }, transaction },
    );
    // Only over the hash just verified: a password changed meanwhile is never overwritten.
    if (rehashed !== null)
      await User.update(
        { passwordHash: rehashed },
        { where: { id: user.id, passwordHash: user.passwordHash }, transaction },
      );
  });
  return { ok: true, user, usedRecoveryCode: nextRecoveryCodes !== null };
}

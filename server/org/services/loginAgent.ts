import type { Sequelize } from "sequelize";
import { AppError } from "../../core/errors.js";
import { User } from "../models/index.js";
import { verifyPassword } from "./passwords.js";
import type { SecurityPolicy } from "./settings.js";
import { checkTotp, useRecoveryCode } from "./totp.js";

export interface LoginAttempt {
  username: string;
  password: string;
  totp?: string;
  recoveryCode?: string;
}

export type LoginResult =
  | { ok: true; user: User; usedRecoveryCode: boolean }
  | { ok: false; user: User | null; error: AppError; lockedNow: boolean };

const invalid = () => new AppError(401, "invalid_credentials", "Wrong username or password");

/**
 * Checks a login. Failures are counted with an atomic increment so parallel
 * guesses cannot slip past the threshold; reaching it locks the account for
 * the policy's lockout period. A right password without the second factor is
 * not a failure: the client is asked for the code.
 */
export async function attemptLogin(
  sequelize: Sequelize,
  attempt: LoginAttempt,
  policy: SecurityPolicy,
): Promise<LoginResult> {
  const user = await User.findOne({ where: { username: attempt.username } });
  if (!user) return { ok: false, user: null, error: invalid(), lockedNow: false };
  if (user.lockedUntil && user.lockedUntil.getTime() > Date.now()) {
    return { ok: false, user, error: lockedError(user.lockedUntil), lockedNow: false };
  }
  if (user.disabled) {
    return {
      ok: false,
      user,
      error: new AppError(403, "account_disabled", "This account is disabled"),
      lockedNow: false,
    };
  }
  const passwordOk = await verifyPassword(attempt.password, user.passwordHash);
  let secondFactorOk = true;
  let nextRecoveryCodes: string | null = null;
  if (passwordOk && user.totpEnabled && user.totpSecret) {
    if (!attempt.totp && !attempt.recoveryCode) {
      return {
        ok: false,
        user,
        error: new AppError(401, "totp_required", "Enter the code from your authenticator app"),
        lockedNow: false,
      };
    }
    if (attempt.recoveryCode) {
      nextRecoveryCodes = await useRecoveryCode(user.recoveryCodes, attempt.recoveryCode);
      secondFactorOk = nextRecoveryCodes !== null;
    } else {
      secondFactorOk = checkTotp(user.totpSecret, attempt.totp ?? "");
    }
  }
  if (passwordOk && secondFactorOk) {
    await User.update(
      {
        failedLogins: 0,
        lockedUntil: null,
        lastLoginAt: new Date(),
        ...(nextRecoveryCodes !== null ? { recoveryCodes: nextRecoveryCodes } : {}),
      },
      { where: { id: user.id } },
    );
    return { ok: true, user, usedRecoveryCode: nextRecoveryCodes !== null };
  }
  return recordFailure(sequelize, user, policy, passwordOk);
}

async function recordFailure(
  sequelize: Sequelize,
  user: User,
  policy: SecurityPolicy,
  passwordOk: boolean,
): Promise<LoginResult> {
  return sequelize.transaction(async (transaction) => {
    await User.increment("failedLogins", { by: 1, where: { id: user.id }, transaction });
    const fresh = await User.findByPk(user.id, { transaction, lock: transaction.LOCK.UPDATE });
    const failures = fresh?.failedLogins ?? 0;
    const error = passwordOk
      ? new AppError(401, "invalid_totp", "The authenticator code is wrong or expired")
      : invalid();
    if (failures < policy.lockoutThreshold) return { ok: false as const, user, error, lockedNow: false };
    const lockedUntil = new Date(Date.now() + policy.lockoutMinutes * 60_000);
    await User.update({ lockedUntil, failedLogins: 0 }, { where: { id: user.id }, transaction });
    return { ok: false as const, user, error: lockedError(lockedUntil), lockedNow: true };
  });
}

function lockedError(until: Date): AppError {
  return new AppError(423, "account_locked", "Too many failed sign-ins; the account is locked for a while", {
    lockedUntil: until.toISOString(),
  });
}

import type { Transaction } from "sequelize";
import { User } from "../models/index.js";
import { generatePassword, hashPassword } from "./passwords.js";

export interface OneTimePassword {
  password: string;
  hash: string;
}

/**
 * A random password that meets the policy, with its hash. Made before the
 * caller's transaction so the hash never holds the write lock.
 */
export async function newOneTimePassword(hashCost: number): Promise<OneTimePassword> {
  const password = generatePassword();
  return { password, hash: await hashPassword(password, hashCost) };
}

/**
 * Makes it the account's password, to be changed at the next sign-in, and lifts
 * any lockout. Callers end the user's sessions once the transaction commits:
 * whoever held the old password must not stay signed in.
 */
export async function setOneTimePassword(
  userId: number,
  otp: OneTimePassword,
  transaction: Transaction,
): Promise<void> {
  await User.update(
    { passwordHash: otp.hash, mustChangePassword: true, failedLogins: 0, lockedUntil: null },
    { where: { id: userId }, transaction },
  );
}

import { randomBytes } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";
import { Op, type Transaction } from "sequelize";
import { User } from "../models/index.js";
import { hashPassword, verifyPassword } from "./passwords.js";

const ISSUER = "邕政通";

function totpFor(secret: string, label: string): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: "SHA1",
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export async function totpEnrolment(secret: string, label: string): Promise<{ otpauthUrl: string; qrDataUrl: string }> {
  const otpauthUrl = totpFor(secret, label).toString();
  return { otpauthUrl, qrDataUrl: await QRCode.toDataURL(otpauthUrl, { margin: 1, width: 220 }) };
}

/**
 * The time step (unix time / 30 s) a code belongs to, accepting the current
 * step and one either side for clock drift; null if the code is wrong.
 */
export function matchTotp(secret: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = totpFor(secret, "check");
  const delta = totp.validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : totp.counter({ timestamp: now }) + delta;
}

/**
 * Accepts a code once: records its time step unless a code of that step or a
 * later one was already used. One conditional UPDATE, so of two requests racing
 * with the same code exactly one wins, on any database.
 */
export async function useTotp(
  userId: number,
  secret: string,
  code: string,
  transaction?: Transaction,
): Promise<boolean> {
  const step = matchTotp(secret, code);
  if (step === null) return false;
  const [changed] = await User.update(
    { totpLastStep: step },
    {
      where: { id: userId, [Op.or]: [{ totpLastStep: null }, { totpLastStep: { [Op.lt]: step } }] },
      transaction,
    },
  );
  return changed === 1;
}

/** Ten one-time codes like "k3f9-2mxa"; only their hashes are stored. */
export async function newRecoveryCodes(hashCost: number): Promise<{ codes: string[]; stored: string }> {
  const codes = Array.from({ length: 10 }, () => {
    const raw = randomBytes(5).toString("hex").slice(0, 8);
    return `${raw.slice(0, 4)}-${raw.slice(4)}`;
  });
  const hashes = await Promise.all(codes.map((c) => hashPassword(c, hashCost)));
  return { codes, stored: JSON.stringify(hashes) };
}

/** Returns the stored list without the code used, or null if the code does not match. */
export async function useRecoveryCode(stored: string | null, code: string): Promise<string | null> {
  if (!stored) return null;
  const hashes = JSON.parse(stored) as string[];
  const normalised = code.trim().toLowerCase();
  for (const [i, hash] of hashes.entries()) {
    if (await verifyPassword(normalised, hash)) {
      return JSON.stringify(hashes.filter((_, j) => j !== i));
    }
  }
  return null;
}

import { randomBytes } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";
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

/** Accepts the current code and one step either side for clock drift. */
export function checkTotp(secret: string, code: string): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  return totpFor(secret, "check").validate({ token: code, window: 1 }) !== null;
}

/** Ten one-time codes like "k3f9-2mxa"; only their hashes are stored. */
export async function newRecoveryCodes(hashCost: number): Promise<{ codes: string[]; stored: string }> {
  const codes = Array.from({ length: 10 }, () => {
    const raw = randomBytes(5).toString("hex").slice(0, 8);
    return `${raw.slice(0, 4)}-${raw.slice(4)}`;
  });
  const hashes = await Promise.all(codes.map((c) => hashPassword(c, Math.min(hashCost, 14))));
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

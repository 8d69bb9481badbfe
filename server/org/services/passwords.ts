import { randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { availableParallelism } from "node:os";
import { Semaphore } from "../../core/semaphore.js";

const KEY_LENGTH = 64;
/** Stored for accounts that have no usable password yet (an admin must issue one). */
export const NO_PASSWORD = "!";

/**
 * scrypt runs on libuv's thread pool (4 threads by default), which the SQLite
 * driver, file reads and compression share. Unbounded, a burst of logins queues
 * dozens of 400 ms hashes ahead of every query; bounded, the pool keeps threads
 * free and a burst only makes the logins themselves wait. Process-wide on purpose.
 */
export const hashSlots = new Semaphore(2);

/**
 * Slots for bulk work started by an administrator (a CSV import of hundreds of
 * accounts): it may use every core, up to two, beside the sign-in slots. Sign-ins
 * never queue behind an import, and with the sign-in bound at its default the
 * pool still keeps a thread for the database.
 */
export const bulkHashSlots = new Semaphore(Math.max(1, Math.min(2, availableParallelism())));

/** Sets how many scrypt runs may be in progress at once (PASSWORD_HASH_CONCURRENCY). */
export function limitConcurrentHashes(limit: number): void {
  hashSlots.setLimit(limit);
}

function scrypt(password: string, salt: Buffer, options: ScryptOptions, slots = hashSlots): Promise<Buffer> {
  return slots.run(
    () =>
      new Promise((resolve, reject) =>
        scryptCb(password.normalize("NFKC"), salt, KEY_LENGTH, options, (err, key) =>
          err ? reject(err) : resolve(key),
        ),
      ),
  );
}

function optionsFor(logN: number, r: number, p: number): ScryptOptions {
  const N = 2 ** logN;
  return { N, r, p, maxmem: 128 * N * r * p + 16 * 1024 * 1024 };
}

/**
 * Hashes with scrypt; the parameters travel in the string so they can be raised later.
 * `bulk` runs it in the import's own slots (see bulkHashSlots) instead of the sign-in ones.
 */
export async function hashPassword(password: string, logN: number, options: { bulk?: boolean } = {}): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, optionsFor(logN, 8, 1), options.bulk ? bulkHashSlots : hashSlots);
  return `scrypt$${logN}$8$1$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** True for a hash this module wrote; false for NO_PASSWORD and anything else. */
export function isPasswordHash(stored: string): boolean {
  const parts = stored.split("$");
  return parts.length === 6 && parts[0] === "scrypt";
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (!isPasswordHash(stored)) return false;
  const parts = stored.split("$");
  const [, logN, r, p, salt, key] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(key, "base64");
  const actual = await scrypt(password, Buffer.from(salt, "base64"), optionsFor(Number(logN), Number(r), Number(p)));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export type PasswordRule = "length" | "classes" | "username" | "reuse";

/** Length ≥ minLength, three of four character classes, and not the username. */
export function checkPasswordPolicy(password: string, username: string, minLength: number): PasswordRule[] {
  const broken: PasswordRule[] = [];
  if ([...password].length < minLength) broken.push("length");
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 3) broken.push("classes");
  const lower = password.toLowerCase();
  const name = username.toLowerCase();
  if (lower === name || (name.length >= 3 && lower.includes(name))) broken.push("username");
  return broken;
}

const ALPHABET = {
  upper: "ABCDEFGHJKLMNPQRSTUVWXYZ",
  lower: "abcdefghijkmnpqrstuvwxyz",
  digit: "23456789",
  symbol: "#%+=@",
};

/** A random 14-character password that meets the policy, without look-alike characters. */
export function generatePassword(length = 14): string {
  const all = Object.values(ALPHABET).join("");
  const pick = (set: string) => set[randomInt(set.length)] ?? "";
  const chars = [pick(ALPHABET.upper), pick(ALPHABET.lower), pick(ALPHABET.digit), pick(ALPHABET.symbol)];
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] ?? "", chars[i] ?? ""];
  }
  return chars.join("");
}

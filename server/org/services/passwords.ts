import { hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";
import { randomInt, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { availableParallelism } from "node:os";
import { Semaphore } from "../../core/semaphore.js";

/** Stored for accounts that have no usable password yet (an admin must issue one). */
export const NO_PASSWORD = "!";

/**
 * argon2id passes over memory. OWASP pairs 19 MiB with 2 passes; the memory is
 * the one knob (PASSWORD_HASH_MEMORY_KIB), the passes stay as OWASP sets them.
 */
const PASSES = 2;
/** `Algorithm.Argon2id`: the package's enum is a const enum, which isolated modules cannot read. */
const ARGON2ID_ALGORITHM = 2;

/**
 * Hashing runs on libuv's thread pool (4 threads by default), which the SQLite
 * driver, file reads and compression share. Unbounded, a burst of logins queues
 * dozens of hashes ahead of every query; bounded, the pool keeps threads free
 * and a burst only makes the logins themselves wait. Process-wide on purpose.
 */
export const hashSlots = new Semaphore(2);

/**
 * Slots for bulk work started by an administrator (a CSV import of hundreds of
 * accounts): it may use every core, up to two, beside the sign-in slots. Sign-ins
 * never queue behind an import, and with the sign-in bound at its default the
 * pool still keeps a thread for the database.
 */
export const bulkHashSlots = new Semaphore(Math.max(1, Math.min(2, availableParallelism())));

/** Sets how many hashes may be in progress at once (PASSWORD_HASH_CONCURRENCY). */
export function limitConcurrentHashes(limit: number): void {
  hashSlots.setLimit(limit);
}

/**
 * Hashes with argon2id (RFC 9106) at `memoryKiB` of memory; the parameters
 * travel in the PHC string, so they can be raised later (see needsRehash).
 * `bulk` runs it in the import's own slots (see bulkHashSlots) instead of the
 * sign-in ones.
 */
export async function hashPassword(
  password: string,
  memoryKiB: number,
  options: { bulk?: boolean } = {},
): Promise<string> {
  const slots = options.bulk ? bulkHashSlots : hashSlots;
  return slots.run(() =>
    argon2Hash(password.normalize("NFKC"), {
      algorithm: ARGON2ID_ALGORITHM,
      memoryCost: memoryKiB,
      timeCost: PASSES,
      parallelism: 1,
    }),
  );
}

const ARGON2ID = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** Hashes written before argon2id: `scrypt$logN$r$p$salt$key`, verified until their next sign-in. */
function legacyScrypt(stored: string): { options: ScryptOptions; salt: Buffer; key: Buffer } | null {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [, logN, r, p, salt, key] = parts.map((part, i) => (i >= 1 && i <= 3 ? Number(part) : part)) as [
    string,
    number,
    number,
    number,
    string,
    string,
  ];
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 20) return null;
  const expected = Buffer.from(key, "base64");
  if (expected.length < 16) return null;
  const N = 2 ** logN;
  return {
    options: { N, r, p, maxmem: 128 * N * r * p + 16 * 1024 * 1024 },
    salt: Buffer.from(salt, "base64"),
    key: expected,
  };
}

/** True for a hash this module wrote (argon2id, or the scrypt of earlier versions); false for NO_PASSWORD. */
export function isPasswordHash(stored: string): boolean {
  return ARGON2ID.test(stored) || legacyScrypt(stored) !== null;
}

/**
 * True when the hash is not argon2id at the configured memory: a sign-in that
 * has just proved the password stores a fresh hash (scrypt hashes of earlier
 * versions, or a cost raised since).
 */
export function needsRehash(stored: string, memoryKiB: number): boolean {
  const m = ARGON2ID.exec(stored);
  return !m || Number(m[1]) !== memoryKiB || Number(m[2]) !== PASSES || Number(m[3]) !== 1;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const normalised = password.normalize("NFKC");
  if (ARGON2ID.test(stored)) return hashSlots.run(() => argon2Verify(stored, normalised));
  const legacy = legacyScrypt(stored);
  if (!legacy) return false;
  const actual = await hashSlots.run(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scryptCb(normalised, legacy.salt, legacy.key.length, legacy.options, (err, key) =>
          err ? reject(err) : resolve(key),
        ),
      ),
  );
  return actual.length === legacy.key.length && timingSafeEqual(actual, legacy.key);
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

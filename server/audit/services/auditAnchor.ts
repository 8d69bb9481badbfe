import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, readdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Env } from "../../env.js";

/**
 * What anchors the audit chain outside the database: the HMAC key (from
 * AUDIT_KEY or a key file in DATA_DIR) and the folder of signed checkpoints.
 * Someone who can write the database but not these cannot rewrite, shorten or
 * empty the log unnoticed.
 */
export interface AuditAnchor {
  key: Buffer;
  /** A fingerprint of the key, never the key: tells "wrong key" apart from "forged". */
  keyId: string;
  checkpointDir: string;
}

export const KEY_FILE = "audit.key";

function anchorOf(key: Buffer, checkpointDir: string): AuditAnchor {
  const keyId = createHmac("sha256", key).update("yong audit key id").digest("hex").slice(0, 16);
  return { key, keyId, checkpointDir };
}

/**
 * Which database a folder of checkpoints belongs to: SQLite by the file's
 * absolute path, MySQL/MariaDB by host, port and database name (never the
 * credentials). Every instance of one installation uses the same DATABASE_URL,
 * so they share the folder; another database never mixes its chains in.
 */
export function databaseId(databaseUrl: string): string {
  let location: string;
  if (databaseUrl.startsWith("sqlite:")) {
    const file = databaseUrl.slice("sqlite:".length);
    location = `sqlite:${file === ":memory:" ? file : resolve(file)}`;
  } else {
    const url = new URL(databaseUrl.replace(/^mariadb:/, "mysql:"));
    location = `mysql://${url.hostname.toLowerCase()}:${url.port || "3306"}${url.pathname}`;
  }
  return createHash("sha256").update(location).digest("hex").slice(0, 16);
}

/**
 * Loads the key, creating DATA_DIR/audit.key (0600, exclusive create so that
 * instances starting together agree on one) when neither it nor AUDIT_KEY
 * exists. The key is never logged and never stored in the database.
 */
export async function loadAuditAnchor(
  env: Pick<Env, "AUDIT_KEY" | "AUDIT_CHECKPOINT_DIR" | "DATA_DIR" | "DATABASE_URL">,
): Promise<AuditAnchor> {
  const base = resolve(env.AUDIT_CHECKPOINT_DIR ?? join(env.DATA_DIR, "audit-checkpoints"));
  const checkpointDir = join(base, databaseId(env.DATABASE_URL));
  if (env.AUDIT_KEY) return anchorOf(Buffer.from(env.AUDIT_KEY, "utf8"), checkpointDir);
  await mkdir(env.DATA_DIR, { recursive: true });
  const file = join(env.DATA_DIR, KEY_FILE);
  try {
    const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await handle.writeFile(`${randomBytes(32).toString("hex")}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const text = (await readFile(file, "utf8")).trim();
  if (text.length < 32) throw new Error(`${file} holds no usable audit key (at least 32 characters expected)`);
  if (process.platform !== "win32" && ((await stat(file)).mode & 0o077) !== 0) {
    throw new Error(`${file} must be readable by the server's user only: chmod 600 ${file}`);
  }
  return anchorOf(Buffer.from(text, "utf8"), checkpointDir);
}

/** One signed statement: "event `seq` of chain `chain` had hash `hash`", written at `at`. */
export interface Checkpoint {
  v: 1;
  chain: string;
  /** The first event hashed with the key; earlier ones (from before the upgrade) use plain SHA-256. */
  keyedFrom: number;
  seq: number;
  hash: string;
  at: string;
  key: string;
}

type SignedCheckpoint = Checkpoint & { mac: string };

function macOf(anchor: AuditAnchor, c: Checkpoint): string {
  const canonical = JSON.stringify([c.v, c.chain, c.keyedFrom, c.seq, c.hash, c.at, c.key]);
  return createHmac("sha256", anchor.key).update(canonical).digest("hex");
}

const fileOf = (anchor: AuditAnchor, chain: string) => join(anchor.checkpointDir, `${chain}.jsonl`);

/**
 * Appends a checkpoint line and syncs it to disk. The file is only ever
 * appended to (O_APPEND: lines from several instances do not interleave).
 */
export async function writeCheckpoint(anchor: AuditAnchor, point: Omit<Checkpoint, "v" | "key" | "at">): Promise<void> {
  await mkdir(anchor.checkpointDir, { recursive: true, mode: 0o700 });
  const checkpoint: Checkpoint = { v: 1, ...point, at: new Date().toISOString(), key: anchor.keyId };
  const line = `${JSON.stringify({ ...checkpoint, mac: macOf(anchor, checkpoint) } satisfies SignedCheckpoint)}\n`;
  const handle = await open(fileOf(anchor, point.chain), "a", 0o600);
  try {
    await handle.write(line);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export type CheckpointReading =
  | { status: "ok"; checkpoints: Checkpoint[] }
  | { status: "missing" }
  | { status: "forged"; line: number }
  | { status: "wrong_key"; keyId: string };

function isCheckpoint(value: unknown): value is SignedCheckpoint {
  if (typeof value !== "object" || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    c.v === 1 &&
    typeof c.chain === "string" &&
    Number.isSafeInteger(c.keyedFrom) &&
    Number.isSafeInteger(c.seq) &&
    typeof c.hash === "string" &&
    typeof c.at === "string" &&
    typeof c.key === "string" &&
    typeof c.mac === "string"
  );
}

/** Reads and checks every checkpoint of a chain; the first bad line decides. */
export async function readCheckpoints(anchor: AuditAnchor, chain: string): Promise<CheckpointReading> {
  let text: string;
  try {
    text = await readFile(fileOf(anchor, chain), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { status: "missing" };
    throw err;
  }
  // A line without its newline was cut short by a crash while being written: it was never complete.
  const lines = text.split("\n").slice(0, -1);
  const checkpoints: Checkpoint[] = [];
  for (const [index, line] of lines.entries()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return { status: "forged", line: index + 1 };
    }
    if (!isCheckpoint(parsed) || parsed.chain !== chain) return { status: "forged", line: index + 1 };
    const { mac, ...checkpoint } = parsed;
    if (checkpoint.key !== anchor.keyId) return { status: "wrong_key", keyId: checkpoint.key };
    const expected = Buffer.from(macOf(anchor, checkpoint), "hex");
    const given = Buffer.from(mac, "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { status: "forged", line: index + 1 };
    }
    checkpoints.push(checkpoint);
  }
  return checkpoints.length ? { status: "ok", checkpoints } : { status: "missing" };
}

/** Chains other than `chain` whose checkpoints lie in the folder: logs this one replaced. */
export async function otherChains(anchor: AuditAnchor, chain: string | null): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(anchor.checkpointDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return names
    .filter((n) => n.endsWith(".jsonl"))
    .map((n) => n.slice(0, -".jsonl".length))
    .filter((n) => n !== chain);
}

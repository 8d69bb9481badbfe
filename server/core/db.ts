import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { Sequelize, Transaction, type Options } from "sequelize";
import type { Logger } from "pino";
import sqlite3 from "sqlite3";

export type Dialect = "sqlite" | "mysql";

export function dialectOf(url: string): Dialect {
  return url.startsWith("sqlite:") ? "sqlite" : "mysql";
}

/**
 * Opens a Sequelize connection for a DATABASE_URL. SQLite gets WAL, a busy
 * timeout and IMMEDIATE transactions so that concurrent writers queue instead
 * of failing with SQLITE_BUSY; MySQL/MariaDB get utf8mb4 and UTC.
 */
export function openDatabase(url: string, logger?: Logger): Sequelize {
  const logging: Options["logging"] = logger ? (sql: string) => logger.trace({ sql }, "sql") : false;
  const common: Options = {
    logging,
    define: { underscored: false },
    pool: { max: 10, min: 0, idle: 10_000 },
  };
  if (dialectOf(url) === "sqlite") {
    const file = url.slice("sqlite:".length);
    const storage = file === ":memory:" ? file : resolve(file);
    if (storage !== ":memory:") mkdirSync(dirname(storage), { recursive: true });
    const sequelize = new Sequelize({
      ...common,
      dialect: "sqlite",
      dialectModule: sqliteWithBusyTimeout,
      storage,
      transactionType: Transaction.TYPES.IMMEDIATE,
      retry: { match: [/SQLITE_BUSY/], max: 10 },
    });
    queueTransactions(sequelize);
    return sequelize;
  }
  return new Sequelize(url.replace(/^mariadb:/, "mysql:"), {
    ...common,
    dialect: "mysql",
    timezone: "+00:00",
    dialectOptions: { charset: "utf8mb4", dateStrings: false },
    define: { ...common.define, charset: "utf8mb4", collate: "utf8mb4_unicode_ci" },
  });
}

/** A statement that only reads: what may run on a read connection. */
const READ_ONLY = /^\s*(?:SELECT|WITH)\b(?![\s\S]*\b(?:INSERT|UPDATE|DELETE|REPLACE)\b)/i;
/** Read connections beside the one Sequelize uses outside transactions: one per core. */
const READERS = Math.max(1, Math.min(4, availableParallelism()));
/**
 * Reads running at once on the read connections. node-sqlite3 runs each
 * statement on one of libuv's threads (four unless UV_THREADPOOL_SIZE says
 * otherwise; several statements on one connection take turns row by row), and
 * the write connection's statements and the password hashes of sign-ins queue
 * for the same threads. Unbounded, a burst of reads queued ahead of them all:
 * sign-ins took 2.4 s at p50 under a flood of /api/auth/me (170–200 ms with
 * this bound), though the list routes answered 1.5× the requests. One thread
 * is left for the writes and the hashes; the waiting reads queue here.
 */
const MAX_READS_IN_FLIGHT = Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 1);

/**
 * Sequelize opens one SQLite connection per transaction and has no hook for
 * new connections, so the driver itself is wrapped: every connection waits up
 * to 10 s for a lock instead of failing at once with SQLITE_BUSY.
 *
 * Outside transactions Sequelize sends every statement through one connection
 * and runs them there one at a time (its queries use the connection's
 * serialized mode): under load, reads queued behind each other on one thread
 * while the other core idled.
 * So that connection hands its reads to a few read-only connections, round
 * robin (WAL lets them read while a writer commits). They see everything
 * committed before the read is sent: a write outside a transaction has
 * committed when its callback runs, and a transaction's own reads stay on the
 * transaction's connection (Sequelize marks it with a uuid).
 */
class BusyWaitingDatabase extends sqlite3.Database {
  /** Set by Sequelize on a transaction's connection while the transaction runs. */
  declare uuid?: string;
  private readonly file: string;
  /** A file database: an in-memory one cannot be opened a second time. */
  private readonly onDisk: boolean;
  private readers: sqlite3.Database[] | null = null;
  private nextReader = 0;
  /** Reads handed to the read connections and not answered yet; more wait here, in order. */
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(filename: string, mode?: number, callback?: (err: Error | null) => void) {
    super(filename, mode ?? sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, callback);
    this.file = filename;
    this.onDisk = filename !== ":memory:" && filename !== "";
    this.configure("busyTimeout", 10_000);
  }

  private reader(): sqlite3.Database {
    this.readers ??= Array.from({ length: READERS }, () => {
      const reader = new sqlite3.Database(this.file, sqlite3.OPEN_READONLY);
      reader.configure("busyTimeout", 10_000);
      return reader;
    });
    this.nextReader = (this.nextReader + 1) % this.readers.length;
    return this.readers[this.nextReader]!;
  }

  override all(sql: string, ...rest: unknown[]): this {
    const spread = this.uuid === undefined && this.onDisk && READ_ONLY.test(sql);
    if (!spread) return super.all(sql, ...rest);
    const done = rest.at(-1);
    const args = typeof done === "function" ? rest.slice(0, -1) : rest;
    const start = () => {
      this.inFlight += 1;
      const reader = this.reader();
      reader.all(sql, ...args, (...result: unknown[]) => {
        this.inFlight -= 1;
        this.waiting.shift()?.();
        if (typeof done === "function") Reflect.apply(done, reader, result);
      });
    };
    if (this.inFlight < MAX_READS_IN_FLIGHT) start();
    else this.waiting.push(start);
    return this;
  }

  override close(callback?: (err: Error | null) => void): void {
    const readers = this.readers ?? [];
    this.readers = null;
    let open = readers.length;
    if (open === 0) return super.close(callback);
    for (const reader of readers) {
      reader.close(() => {
        open -= 1;
        if (open === 0) super.close(callback);
      });
    }
  }
}
const sqliteWithBusyTimeout = { ...sqlite3, Database: BusyWaitingDatabase };

/**
 * SQLite has one writer at a time. Left to the lock alone, transactions that
 * wait for it in the busy handler occupy libuv's few worker threads, and the
 * transaction holding the lock can starve for a thread to run its next
 * statement. Queueing managed transactions in the process avoids that; the
 * busy timeout still covers other processes on the same file.
 */
function queueTransactions(sequelize: Sequelize): void {
  const begin = sequelize.transaction.bind(sequelize) as (...args: unknown[]) => Promise<unknown>;
  let tail: Promise<unknown> = Promise.resolve();
  const queued = (...args: unknown[]) => {
    // Unmanaged calls come from Sequelize itself (findOrCreate's savepoint inside a caller's transaction).
    if (typeof args[0] !== "function" && typeof args[1] !== "function") return begin(...args);
    const run = tail.then(() => begin(...args));
    tail = run.catch(() => undefined);
    return run;
  };
  sequelize.transaction = queued as typeof sequelize.transaction;
}

/** WAL lets readers work while one writer commits; it is a property of the file, set once. */
export async function prepareSqlite(sequelize: Sequelize): Promise<void> {
  if (sequelize.getDialect() !== "sqlite") return;
  if (sequelize.getDatabaseName() === ":memory:") return;
  await sequelize.query("PRAGMA journal_mode=WAL");
}

/**
 * Text for a LIKE pattern with the wildcards (and backslash) dropped rather
 * than escaped: SQLite and MySQL disagree on the default escape character.
 */
export function likeSafe(text: string): string {
  return text.replace(/[\\%_]/g, "");
}

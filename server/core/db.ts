import { mkdirSync } from "node:fs";
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

/**
 * Sequelize opens one SQLite connection per transaction and has no hook for
 * new connections, so the driver itself is wrapped: every connection waits up
 * to 10 s for a lock instead of failing at once with SQLITE_BUSY.
 */
class BusyWaitingDatabase extends sqlite3.Database {
  constructor(filename: string, mode?: number, callback?: (err: Error | null) => void) {
    super(filename, mode ?? sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, callback);
    this.configure("busyTimeout", 10_000);
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

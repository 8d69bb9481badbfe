import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Sequelize, Transaction, type Options } from "sequelize";
import type { Logger } from "pino";

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
    return new Sequelize({
      ...common,
      dialect: "sqlite",
      storage,
      transactionType: Transaction.TYPES.IMMEDIATE,
      retry: { match: [/SQLITE_BUSY/], max: 10 },
      hooks: {
        afterConnect: async (connection: unknown) => {
          await sqlitePragmas(connection);
        },
      },
    });
  }
  return new Sequelize(url.replace(/^mariadb:/, "mysql:"), {
    ...common,
    dialect: "mysql",
    timezone: "+00:00",
    dialectOptions: { charset: "utf8mb4", dateStrings: false },
    define: { ...common.define, charset: "utf8mb4", collate: "utf8mb4_unicode_ci" },
  });
}

interface SqliteConnection {
  configure(option: "busyTimeout", ms: number): void;
  exec(sql: string, cb: (err: Error | null) => void): void;
}

function isSqliteConnection(value: unknown): value is SqliteConnection {
  return typeof value === "object" && value !== null && "configure" in value && "exec" in value;
}

async function sqlitePragmas(connection: unknown): Promise<void> {
  if (!isSqliteConnection(connection)) return;
  connection.configure("busyTimeout", 10_000);
  await new Promise<void>((done, fail) =>
    connection.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", (err) => (err ? fail(err) : done())),
  );
}

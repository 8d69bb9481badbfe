import { Op, type Sequelize } from "sequelize";
import sqlite3 from "sqlite3";
import {
  RateLimiterMemory,
  RateLimiterMySQL,
  RateLimiterRes,
  RateLimiterSQLite,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";
import { AppError } from "./errors.js";

/** Created by migration 0003; rate-limiter-flexible never creates tables at run time here. */
export const RATE_LIMIT_TABLE = "rate_limits";

export interface LimitOptions {
  /** Keeps the counters of different limiters apart in the one table. */
  keyPrefix: string;
  /** Requests allowed per window. */
  points: number;
  /** The window, in seconds. */
  duration: number;
}

const sqliteConnections = new WeakMap<Sequelize, Promise<sqlite3.Database>>();

/**
 * The SQLite store gets a connection of its own from Sequelize's connection
 * manager (so `sequelize.close()` closes it too), in serialized mode: its
 * statements run one at a time and never hold more than one of libuv's threads,
 * however many sign-ins arrive at once.
 */
function sqliteConnection(sequelize: Sequelize): Promise<sqlite3.Database> {
  let connection = sqliteConnections.get(sequelize);
  if (!connection) {
    // `uuid` names a connection apart from Sequelize's default one (not in its typings).
    const options = { type: "write" as const, uuid: "rate-limits" };
    connection = sequelize.connectionManager.getConnection(options).then((conn) => {
      if (!(conn instanceof sqlite3.Database)) throw new Error("expected a sqlite3 connection");
      if (sequelize.getDatabaseName() !== ":memory:") conn.serialize();
      return conn;
    });
    sqliteConnections.set(sequelize, connection);
  }
  return connection;
}

/**
 * A rate limiter whose counters live in the application's database, so every
 * app instance behind a load balancer shares them: rate-limiter-flexible's MySQL
 * store on MariaDB, its SQLite store on SQLite. Should the store fail, an
 * in-memory limiter with the same limits stands in (per instance) rather than
 * letting every request through.
 */
export async function sqlRateLimiter(sequelize: Sequelize, options: LimitOptions): Promise<RateLimiterAbstract> {
  const common = {
    ...options,
    tableName: RATE_LIMIT_TABLE,
    tableCreated: true,
    // Expired rows are purged by purgeExpiredRateLimits with the other periodic chores.
    clearExpiredByTimeout: false,
    insuranceLimiter: new RateLimiterMemory(options),
  };
  if (sequelize.getDialect() === "sqlite") {
    return new RateLimiterSQLite({ ...common, storeClient: await sqliteConnection(sequelize), storeType: "sqlite3" });
  }
  return new RateLimiterMySQL({
    ...common,
    storeClient: sequelize,
    storeType: "sequelize",
    dbName: sequelize.getDatabaseName(),
  });
}

/** Deletes counters whose window ended more than an hour ago. */
export async function purgeExpiredRateLimits(sequelize: Sequelize): Promise<void> {
  await sequelize.getQueryInterface().bulkDelete(RATE_LIMIT_TABLE, { expire: { [Op.lt]: Date.now() - 3_600_000 } });
}

/**
 * Takes one point from each limiter for its key. Resolves to null when all
 * allow the request, or to the seconds until the most constrained one allows
 * it again. Store errors the insurance limiter could not absorb are rethrown.
 */
export async function consumeAll(checks: [RateLimiterAbstract, string][]): Promise<number | null> {
  const results = await Promise.allSettled(checks.map(([limiter, key]) => limiter.consume(key)));
  let refusedForMs: number | null = null;
  for (const result of results) {
    if (result.status === "fulfilled") continue;
    if (!(result.reason instanceof RateLimiterRes)) throw result.reason;
    refusedForMs = Math.max(refusedForMs ?? 0, result.reason.msBeforeNext);
  }
  return refusedForMs === null ? null : Math.max(1, Math.ceil(refusedForMs / 1000));
}

/** 429 with a code the client translates and the wait in seconds (also sent as Retry-After). */
export function rateLimited(retryAfterSeconds: number): AppError {
  return new AppError(429, "rate_limited", "Too many attempts; try again later", { retryAfterSeconds });
}

// The benchmark's database: the generated 100k-user organisation plus the
// accounts the benchmark signs in with. Building it takes a minute or more, so
// it is kept under the cache directory, keyed by its parameters and by the
// schema and generator of the checkout that built it; a changed migration or
// generator builds a new one.
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import mysql from "mysql2/promise";

// Types only: the modules themselves come from the checkout being measured (--root).
import type * as ServerModuleNs from "../../server/server.js";
import type * as EnvModuleNs from "../../server/env.js";
import type * as LoggerModuleNs from "../../server/core/logger.js";
import type * as ModelsModuleNs from "../../server/org/models/index.js";
import type * as LargeOrgModuleNs from "../../server/org/services/largeOrganisation.js";
import type * as UsersModuleNs from "../../server/org/services/users.js";
import type * as PasswordsModuleNs from "../../server/org/services/passwords.js";

/** Bump when the accounts below change, so cached databases are rebuilt. */
const FIXTURE_VERSION = 3;

export const BENCH_PASSWORD = "Bench#Api2026";
export const ADMIN_USERNAME = "bench.admin";
/**
 * Enough accounts that 8 sign-ins a second stay under the per-account limit
 * (LOGIN_LIMIT_PER_ACCOUNT, 10 a minute by default): every one is a full check.
 */
export const LOGIN_ACCOUNTS = Array.from({ length: 64 }, (_, i) => `bench.login${String(i + 1).padStart(2, "0")}`);
/** The argon2id memory the server runs with by default (README: PASSWORD_HASH_MEMORY_KIB). */
export const HASH_COST = 19_456;

export type Dialect = "sqlite" | "mariadb";

export interface FixtureProps {
  root: string;
  dialect: Dialect;
  units: number;
  users: number;
  cacheDir: string;
  /** mysql://user:pass@host:port — the server where MariaDB databases are made. */
  mariadbServer: string;
  log(line: string): void;
}

export interface Fixture {
  /** DATABASE_URL for this run (for SQLite a fresh copy of the cached file under `runDir`). */
  url: string;
  /** DATA_DIR for the server (keys it keeps beside the database). */
  dataDir: string;
  key: string;
  built: boolean;
  buildSeconds: number;
  /** Removes what this run alone made (the SQLite copy). */
  release(): void;
}

const load = async <T>(root: string, path: string): Promise<T> => import(pathToFileURL(join(root, path)).href);

function fixtureKey(props: FixtureProps): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ v: FIXTURE_VERSION, units: props.units, users: props.users }));
  const migrations = join(props.root, "migrations");
  for (const file of readdirSync(migrations).sort()) {
    hash.update(file);
    hash.update(readFileSync(join(migrations, file)));
  }
  hash.update(readFileSync(join(props.root, "server/org/services/largeOrganisation.ts")));
  return hash.digest("hex").slice(0, 12);
}

/** Migrates an empty database, generates the organisation and adds the benchmark's accounts. */
async function build(props: FixtureProps, url: string, dataDir: string): Promise<void> {
  const { prepareDatabase } = await load<typeof ServerModuleNs>(props.root, "server/server.ts");
  const { parseEnv } = await load<typeof EnvModuleNs>(props.root, "server/env.ts");
  const { createLogger } = await load<typeof LoggerModuleNs>(props.root, "server/core/logger.ts");
  const models = await load<typeof ModelsModuleNs>(props.root, "server/org/models/index.ts");
  const { generateLargeOrganisation } = await load<typeof LargeOrgModuleNs>(
    props.root,
    "server/org/services/largeOrganisation.ts",
  );
  const { newUserRow } = await load<typeof UsersModuleNs>(props.root, "server/org/services/users.ts");
  const { hashPassword } = await load<typeof PasswordsModuleNs>(props.root, "server/org/services/passwords.ts");

  const env = parseEnv({ DATABASE_URL: url, DATA_DIR: dataDir, LOG_LEVEL: "warn", SEED_DEMO: "false" });
  const sequelize = await prepareDatabase(env, createLogger("warn"));
  try {
    const started = Date.now();
    const made = await generateLargeOrganisation(sequelize, { units: props.units, users: props.users, prefix: "gen" });
    props.log(
      `  generated ${made.units} units, ${made.users} users in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    const rootUnit = await models.Unit.findOne({ where: { code: "gen.root" } });
    const [sysadmin, staff] = await Promise.all([
      models.Role.findOne({ where: { code: "sysadmin" } }),
      models.Role.findOne({ where: { code: "staff" } }),
    ]);
    if (!rootUnit || !sysadmin || !staff)
      throw new Error("the generated organisation lacks its root or built-in roles");
    // One hash for every account: the benchmark measures verifying it, not making it.
    const passwordHash = await hashPassword(BENCH_PASSWORD, HASH_COST);
    const accounts: [username: string, displayName: string, roleId: number][] = [
      [ADMIN_USERNAME, "基准管理员", sysadmin.id],
      ...LOGIN_ACCOUNTS.map((u, i): [string, string, number] => [u, `基准登录${i + 1}`, staff.id]),
    ];
    await sequelize.transaction(async (transaction) => {
      for (const [username, displayName, roleId] of accounts) {
        const user = await models.User.create(
          {
            ...newUserRow({ username, displayName, unitId: rootUnit.id, passwordHash }),
            mustChangePassword: false,
            passwordChangedAt: new Date(),
          },
          { transaction },
        );
        await models.RoleAssignment.create(
          { userId: user.id, roleId, unitId: roleId === sysadmin.id ? null : rootUnit.id },
          { transaction },
        );
      }
    });
    if (sequelize.getDialect() === "sqlite") await sequelize.query("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    await sequelize.close();
  }
}

/** mysql2's connection options for a mysql:// (or mariadb://) URL; its path, if any, is the database. */
export function mysqlOptions(url: string): {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
} {
  const parsed = new URL(url.replace(/^mariadb:/, "mysql:"));
  const database = parsed.pathname.slice(1);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    ...(database ? { database } : {}),
  };
}

export async function mariadbAdmin(server: string) {
  const parsed = new URL(server.replace(/^mariadb:/, "mysql:"));
  const { database: _database, ...options } = mysqlOptions(server);
  const connection = await mysql.createConnection(options);
  return {
    connection,
    url: (database: string) => `mysql://${parsed.username}:${parsed.password}@${parsed.host}/${database}`,
  };
}

export async function prepareFixture(props: FixtureProps): Promise<Fixture> {
  const key = fixtureKey(props);
  const dir = join(props.cacheDir, key);
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, "data");
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;

  if (props.dialect === "sqlite") {
    const template = join(dir, "template.sqlite");
    let built = false;
    if (!existsSync(template)) {
      props.log(`building the SQLite database (${props.users} users, ${props.units} units) in ${dir} …`);
      const building = join(dir, "building.sqlite");
      for (const suffix of ["", "-wal", "-shm"]) rmSync(building + suffix, { force: true });
      await build(props, `sqlite:${building}`, dataDir);
      for (const suffix of ["-wal", "-shm"]) rmSync(building + suffix, { force: true });
      renameSync(building, template);
      built = true;
    }
    // Each run gets its own copy, so every run starts from the same rows.
    const runDir = join(dir, `run-${process.pid}-${Date.now()}`);
    mkdirSync(runDir);
    const file = join(runDir, "bench.sqlite");
    copyFileSync(template, file);
    return {
      url: `sqlite:${file}`,
      dataDir,
      key,
      built,
      buildSeconds: seconds(),
      release: () => rmSync(runDir, { recursive: true, force: true }),
    };
  }

  const database = `yong_bench_${key}`;
  const marker = join(dir, "mariadb.json");
  const admin = await mariadbAdmin(props.mariadbServer);
  try {
    const [found] = await admin.connection.query("SHOW DATABASES LIKE ?", [database]);
    const exists = Array.isArray(found) && found.length > 0;
    let built = false;
    if (!exists || !existsSync(marker)) {
      props.log(`building the MariaDB database ${database} (${props.users} users, ${props.units} units) …`);
      rmSync(marker, { force: true });
      await admin.connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.connection.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await build(props, admin.url(database), dataDir);
      writeFileSync(marker, JSON.stringify({ database, builtAt: new Date().toISOString() }));
      built = true;
    }
    return { url: admin.url(database), dataDir, key, built, buildSeconds: seconds(), release: () => undefined };
  } finally {
    await admin.connection.end();
  }
}

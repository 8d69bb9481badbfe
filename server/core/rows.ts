import {
  DataTypes,
  QueryTypes,
  UniqueConstraintError,
  type Model,
  type ModelStatic,
  type Sequelize,
  type Transaction,
} from "sequelize";

/**
 * Model instances from one hand-written joined query. Hot paths (authentication,
 * user lists) read several models in one statement; Sequelize's include
 * machinery costs more than the query itself there, so they select
 * `alias.column AS prefix_attribute` and build the instances directly.
 */

/** `alias.column AS prefix_attribute` for every attribute of a model but `skip` (new columns come along by themselves). */
export function columnsOf<M extends Model>(
  model: ModelStatic<M>,
  alias: string,
  prefix: string,
  skip: ReadonlySet<string> = new Set(),
): string[] {
  return Object.entries(model.getAttributes())
    .filter(([name]) => !skip.has(name))
    .map(([name, attribute]) => `${alias}.${attribute.field ?? name} AS ${prefix}${name}`);
}

/** Read from the database as they are; `includeValidated` (not in Sequelize's types): no includes to work out. */
const BUILD_OPTIONS = { isNewRecord: false, raw: true, includeValidated: true };

type Kind = "date" | "boolean" | "plain";
type Plan = { key: string; name: string; kind: Kind }[];
const plans = new WeakMap<object, Map<string, Plan>>();

/** Which columns of a row make which attribute, and how to type them; worked out once per model and prefix. */
function planOf(model: ModelStatic<Model>, prefix: string): Plan {
  let byPrefix = plans.get(model);
  if (!byPrefix) {
    byPrefix = new Map();
    plans.set(model, byPrefix);
  }
  let plan = byPrefix.get(prefix);
  if (!plan) {
    plan = Object.entries(model.getAttributes()).map(([name, attribute]) => ({
      key: `${prefix}${name}`,
      name,
      kind:
        attribute.type instanceof DataTypes.DATE
          ? "date"
          : attribute.type instanceof DataTypes.BOOLEAN
            ? "boolean"
            : "plain",
    }));
    byPrefix.set(prefix, plan);
  }
  return plan;
}

/**
 * An instance from the `prefix` columns of a row, with values typed as
 * Sequelize types them when it reads the model itself (dates, booleans);
 * null when the row has no such record (a LEFT JOIN that found nothing).
 */
export function instanceOf<M extends Model>(
  model: ModelStatic<M>,
  row: Record<string, unknown>,
  prefix: string,
): M | null {
  const id = row[`${prefix}id`];
  if (id === null || id === undefined) return null;
  const values: Record<string, unknown> = {};
  for (const { key, name, kind } of planOf(model, prefix)) {
    if (!(key in row)) continue;
    const value = row[key];
    if (value === null || value === undefined) values[name] = null;
    else if (kind === "date") values[name] = value instanceof Date ? value : new Date(String(value));
    else if (kind === "boolean") values[name] = Boolean(Number(value));
    else values[name] = value;
  }
  return model.build(values as M["_creationAttributes"], BUILD_OPTIONS);
}

/*
 * Plain statements for the hottest writes and reads (an approval runs a dozen
 * of them): Sequelize's findAll, save and create build the SQL from options
 * they deep-clone, run hooks and validators, and cost three to four times the
 * statement itself. These take hand-written SQL (or write exactly the changed
 * columns) and give back the same model instances, typed as Sequelize types
 * them, on SQLite and MariaDB alike. Validation stays where the input enters
 * (zod at the route); use these only for rows the code itself composes.
 */

/** The Sequelize instance a model is bound to. */
export function databaseOf(model: ModelStatic<Model>): Sequelize {
  const sequelize = model.sequelize;
  if (!sequelize) throw new Error(`${model.name} is not initialised`);
  return sequelize;
}

/** The mysql2 connection a MariaDB transaction runs on (Sequelize keeps it on the transaction), else null. */
function mysqlConnectionOf(sequelize: Sequelize, transaction: Transaction | null | undefined): MysqlConnection | null {
  if (!transaction || sequelize.getDialect() !== "mysql") return null;
  const connection: unknown = Reflect.get(transaction, "connection");
  return connection && typeof connection === "object" && typeof Reflect.get(connection, "query") === "function"
    ? (connection as MysqlConnection)
    : null;
}

/** The sqlite3 connection a SQLite transaction runs on (the writer, which Sequelize keeps on it), else null. */
function sqliteConnectionOf(
  sequelize: Sequelize,
  transaction: Transaction | null | undefined,
): SqliteConnection | null {
  if (!transaction || sequelize.getDialect() !== "sqlite") return null;
  const connection: unknown = Reflect.get(transaction, "connection");
  return connection &&
    typeof connection === "object" &&
    typeof Reflect.get(connection, "run") === "function" &&
    typeof Reflect.get(connection, "all") === "function"
    ? (connection as SqliteConnection)
    : null;
}

interface SqliteConnection {
  all(sql: string, values: unknown[], callback: (error: Error | null, rows: unknown[]) => void): unknown;
  run(
    sql: string,
    values: unknown[],
    callback: (this: { lastID: number; changes: number }, error: Error | null) => void,
  ): unknown;
}

/**
 * A value bound on SQLite as Sequelize writes it: a Date as its text in UTC
 * with milliseconds and offset ("2026-11-28 03:21:20.957 +00:00"; sqlite3
 * itself would bind a number), booleans as 1 and 0.
 */
function sqliteValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString().replace("T", " ").replace("Z", " +00:00");
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}

/**
 * `?` for an array becomes one placeholder per element (`IN (?)`), as mysql2
 * and Sequelize's replacements do; sqlite3 binds only single values. The
 * statements here are the application's own, with no `?` inside quotes.
 */
function expandLists(sql: string, values: readonly unknown[]): [string, unknown[]] {
  if (!values.some(Array.isArray)) return [sql, values.map(sqliteValue)];
  const bound: unknown[] = [];
  let at = 0;
  const statement = sql.replace(/\?/g, () => {
    const value = values[at++];
    if (!Array.isArray(value)) {
      bound.push(sqliteValue(value));
      return "?";
    }
    if (!value.length) return "NULL";
    bound.push(...value.map(sqliteValue));
    return value.map(() => "?").join(", ");
  });
  return [statement, bound];
}

/** Sequelize's SQL log (its `logging` option, not in its types), for statements that bypass its query(). */
function logStatement(sequelize: Sequelize, sql: string): void {
  const options: unknown = Reflect.get(sequelize, "options");
  const log = options && typeof options === "object" ? Reflect.get(options, "logging") : undefined;
  if (typeof log === "function") log(sql);
}

interface MysqlConnection {
  query(sql: string, values: unknown[], callback: (error: Error | null, result: unknown) => void): unknown;
}

/**
 * Runs one statement with positional \`?\` replacements (dates written as
 * `writable` says, on either path). Inside a MariaDB
 * transaction it goes to the transaction's mysql2 connection directly:
 * Sequelize's query() costs more than twice the statement there (it copies
 * its options and captures a stack trace for every statement; 41 µs of CPU
 * against 18 µs measured on the bench database). mysql2 escapes the values
 * and reads the rows with the typeCast Sequelize gave the connection, so the
 * rows are what Sequelize answers; the statement still goes to Sequelize's
 * SQL log. Inside a SQLite transaction it goes to the transaction's sqlite3
 * connection the same way (on SQLite, Sequelize also reads a stack trace for
 * every statement: bench:smtp found it a fifth of the MX's CPU), with values
 * bound as Sequelize writes them. Without a transaction it is Sequelize's query().
 * SELECTs answer rows; other statements the id they inserted and the rows
 * they changed.
 */
export async function plainQuery(
  sequelize: Sequelize,
  sql: string,
  values: readonly unknown[],
  transaction: Transaction | null | undefined,
): Promise<{ rows: Record<string, unknown>[]; insertId: number; affectedRows: number }> {
  const select = /^\s*SELECT\b/i.test(sql);
  const dialect = sequelize.getDialect();
  const replacements = values.map((value) => writable(value, dialect));
  const sqlite = sqliteConnectionOf(sequelize, transaction);
  if (sqlite) {
    const [statement, bound] = expandLists(sql, values);
    logStatement(sequelize, statement);
    if (select) {
      const rows = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
        sqlite.all(statement, bound, (error, answer) =>
          error ? reject(error) : resolve(answer as Record<string, unknown>[]),
        );
      });
      return { rows, insertId: 0, affectedRows: 0 };
    }
    return new Promise((resolve, reject) => {
      sqlite.run(statement, bound, function (this: { lastID: number; changes: number }, error: Error | null) {
        if (error) reject(error);
        else resolve({ rows: [], insertId: Number(this.lastID ?? 0), affectedRows: Number(this.changes ?? 0) });
      });
    });
  }
  const connection = mysqlConnectionOf(sequelize, transaction);
  if (connection) {
    logStatement(sequelize, sql);
    const result = await new Promise<unknown>((resolve, reject) => {
      connection.query(sql, replacements, (error, answer) => (error ? reject(error) : resolve(answer)));
    });
    if (select) return { rows: result as Record<string, unknown>[], insertId: 0, affectedRows: 0 };
    const header = result as { insertId?: number; affectedRows?: number };
    return { rows: [], insertId: Number(header.insertId ?? 0), affectedRows: Number(header.affectedRows ?? 0) };
  }
  if (select) {
    const rows = await sequelize.query<Record<string, unknown>>(sql, {
      replacements,
      type: QueryTypes.SELECT,
      transaction,
      raw: true,
    });
    return { rows, insertId: 0, affectedRows: 0 };
  }
  const insert = /^\s*INSERT\b/i.test(sql);
  const [id, changed] = (await sequelize.query(sql, {
    replacements,
    type: insert ? QueryTypes.INSERT : QueryTypes.UPDATE,
    transaction,
  })) as unknown as [unknown, number];
  return { rows: [], insertId: Number(id ?? 0), affectedRows: Number(changed ?? 0) };
}

/** Instances of `model` from a SELECT whose columns are named as its attributes (see columnsOf with prefix ""). */
export async function selectInstances<M extends Model>(
  model: ModelStatic<M>,
  sql: string,
  replacements: readonly unknown[],
  transaction: Transaction | null | undefined,
): Promise<M[]> {
  const { rows } = await plainQuery(databaseOf(model), sql, replacements, transaction);
  return rows.map((row) => instanceOf(model, row, "")!);
}

/** The createdAt and updatedAt attributes of a model with timestamps (Sequelize keeps them, not in its types). */
function timestampsOf(model: ModelStatic<Model>): { createdAt?: string; updatedAt?: string } {
  const attributes: unknown = Reflect.get(model, "_timestampAttributes");
  return attributes && typeof attributes === "object" ? (attributes as { createdAt?: string; updatedAt?: string }) : {};
}

/**
 * Writes the attributes of `instance` changed since it was read, with one
 * UPDATE by its id (updatedAt moves with them, as save() does), and marks
 * them saved. Nothing is sent when nothing changed.
 */
export async function updateChanged(instance: Model, transaction: Transaction): Promise<void> {
  const model = instance.constructor as ModelStatic<Model>;
  const changed = instance.changed();
  if (!changed || changed.length === 0) return;
  const { updatedAt } = timestampsOf(model);
  if (updatedAt && !changed.includes(updatedAt)) {
    instance.setDataValue(updatedAt, new Date());
    changed.push(updatedAt);
  }
  const attributes = model.getAttributes();
  const columns = changed.map((name) => `${quote(attributes[name]?.field ?? name)} = ?`);
  const values = changed.map((name) => instance.getDataValue(name));
  await plainQuery(
    databaseOf(model),
    `UPDATE ${quote(model.getTableName() as string)} SET ${columns.join(", ")} WHERE id = ?`,
    [...values, instance.getDataValue("id")],
    transaction,
  );
  const previous: unknown = Reflect.get(instance, "_previousDataValues");
  for (const name of changed) {
    if (previous && typeof previous === "object") Reflect.set(previous, name, instance.getDataValue(name));
    instance.changed(name as never, false);
  }
}

/**
 * INSERTs rows of `model` with one statement, the columns given by the first
 * row (every row must have the same keys; createdAt/updatedAt are filled in
 * when the model has them and the rows do not). Returns the rows as written
 * with their ids: an auto-increment assigns the ids of one multi-row INSERT
 * consecutively (SQLite; InnoDB in its default lock mode), as bulkCreate
 * also assumes.
 */
export async function insertRows<R extends Record<string, unknown>>(
  model: ModelStatic<Model>,
  rows: readonly R[],
  transaction: Transaction,
): Promise<(R & { id: number })[]> {
  if (!rows[0]) return [];
  const stamps = timestampsOf(model);
  const now = new Date();
  const filled = rows.map((row) => {
    const extra: Record<string, unknown> = {};
    for (const stamp of [stamps.createdAt, stamps.updatedAt]) if (stamp && !(stamp in row)) extra[stamp] = now;
    return { ...row, ...extra };
  });
  const names = Object.keys(filled[0]!);
  const attributes = model.getAttributes();
  const dialect = databaseOf(model).getDialect();
  const placeholders = `(${names.map(() => "?").join(", ")})`;
  const { insertId } = await plainQuery(
    databaseOf(model),
    `INSERT INTO ${quote(model.getTableName() as string)} (${names.map((n) => quote(attributes[n]?.field ?? n)).join(", ")}) VALUES ${filled.map(() => placeholders).join(", ")}`,
    filled.flatMap((row) => names.map((n) => row[n])),
    transaction,
  );
  // SQLite reports the last id of the statement, MariaDB the first.
  const firstId = dialect === "sqlite" ? insertId - filled.length + 1 : insertId;
  return filled.map((row, i) => ({ ...row, id: firstId + i }));
}

/** insertRows, answering model instances (for rows the caller goes on working with). */
export async function insertInstances<M extends Model>(
  model: ModelStatic<M>,
  rows: readonly Record<string, unknown>[],
  transaction: Transaction,
): Promise<M[]> {
  const written = await insertRows(model, rows, transaction);
  return written.map((row) => model.build(row as M["_creationAttributes"], BUILD_OPTIONS));
}

const quote = (name: string) => `\`${name.replace(/`/g, "``")}\``;

/**
 * A value as a replacement: Sequelize's escaping writes a Date to MariaDB
 * without its milliseconds (it formats with the plain DATE type), which
 * DATETIME(3) columns keep; so dates go as UTC text with them (the
 * connection's time zone is UTC, core/db.ts). SQLite's format keeps them.
 */
function writable(value: unknown, dialect: string): unknown {
  if (value === undefined) return null;
  if (value instanceof Date && dialect !== "sqlite") return value.toISOString().replace("T", " ").replace("Z", "");
  return value;
}

/**
 * Whether a statement failed on a unique index, by whichever path it went:
 * Sequelize's error, or the driver's own from plainQuery's direct paths
 * (mysql2's ER_DUP_ENTRY, sqlite3's UNIQUE constraint).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof UniqueConstraintError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return code === "ER_DUP_ENTRY" || (code === "SQLITE_CONSTRAINT" && /UNIQUE/.test(error.message));
}

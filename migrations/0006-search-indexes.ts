import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * What the hot read paths need, kept up to date by the database itself:
 *
 * - `user_search_terms`: one row per thing a user can be found by — the
 *   username and each of its dot-separated parts, the full pinyin and the
 *   pinyin initials (matched by prefix), and every suffix of the lower-cased
 *   display name (so a prefix match on the suffixes finds any part of a name:
 *   伟 finds 张伟明). The user's unit and
 *   department ride along so that a page of results is read from the index in
 *   list order, without touching `users`.
 * - `unit_user_counts`: users per unit and department (0 = none), for the tree
 *   and for list totals without a search.
 * - `authz_version`: one counter, raised with every change to roles and their
 *   permissions, so every app instance can cache role → permission maps and
 *   notice a change on its next request.
 *
 * Triggers maintain all three in the same transaction as the change, whatever
 * code path writes users (form, CSV import, demo seed, generators, raw SQL).
 */
const POSITIONS = 64; // the longest display name (users.displayName is VARCHAR(64))

type Dialect = "sqlite" | "mysql";

const USER_TRIGGERS = ["users_search_insert", "users_search_names", "users_search_place", "users_search_delete"];
const VERSION_TRIGGERS = ["roles", "role_permissions"].flatMap((table) =>
  ["insert", "update", "delete"].map((event) => ({ name: `${table}_authz_${event}`, table, event })),
);

/** The rows of `user_search_terms` for the user in NEW (or in users, for the backfill). */
function termsSelect(d: Dialect, row: string, extraFrom = ""): string {
  const lower = (x: string) => `LOWER(${x})`;
  const cut = (x: string) => (d === "mysql" ? `LEFT(${x}, 64)` : `SUBSTR(${x}, 1, 64)`);
  const length = (x: string) => (d === "mysql" ? `CHAR_LENGTH(${x})` : `LENGTH(${x})`);
  const from = extraFrom ? ` FROM ${extraFrom}` : "";
  const name = `${row}.displayName`;
  const username = `${row}.username`;
  const withPositions = ` FROM ${extraFrom ? `${extraFrom}, ` : ""}search_positions sp`;
  return [
    // The username and each part after a '.', '_' or '-' (office.staff1 is found by "office" and by "staff").
    `SELECT ${cut(`SUBSTR(${lower(username)}, sp.n)`)} AS term, 'u' AS kind, ${row}.id AS userId, ${row}.unitId AS unitId, COALESCE(${row}.departmentId, 0) AS departmentId` +
      withPositions +
      ` WHERE sp.n = 1 OR (sp.n <= ${length(username)} AND SUBSTR(${username}, sp.n - 1, 1) IN ('.', '_', '-'))`,
    `SELECT ${cut(`${row}.pinyin`)}, 'p', ${row}.id, ${row}.unitId, COALESCE(${row}.departmentId, 0)${from}`,
    `SELECT ${cut(`${row}.pinyinInitials`)}, 'i', ${row}.id, ${row}.unitId, COALESCE(${row}.departmentId, 0)${from}`,
    `SELECT ${cut(`SUBSTR(${lower(name)}, sp.n)`)}, 'n', ${row}.id, ${row}.unitId, COALESCE(${row}.departmentId, 0)` +
      withPositions +
      ` WHERE sp.n <= ${length(name)} AND SUBSTR(${name}, sp.n, 1) <> ' '`,
  ].join(" UNION ALL ");
}

const insertTerms = (d: Dialect, row: string, extraFrom = "") =>
  `INSERT INTO user_search_terms (term, kind, userId, unitId, departmentId)` +
  ` SELECT term, kind, userId, unitId, departmentId FROM (${termsSelect(d, row, extraFrom)}) AS t WHERE term <> ''`;

const countUp = (d: Dialect) =>
  `INSERT INTO unit_user_counts (unitId, departmentId, users) VALUES (NEW.unitId, COALESCE(NEW.departmentId, 0), 1) ` +
  (d === "mysql"
    ? "ON DUPLICATE KEY UPDATE users = users + 1"
    : "ON CONFLICT (unitId, departmentId) DO UPDATE SET users = users + 1");
const countDown =
  "UPDATE unit_user_counts SET users = users - 1 WHERE unitId = OLD.unitId AND departmentId = COALESCE(OLD.departmentId, 0)";
const movePlace =
  "UPDATE user_search_terms SET unitId = NEW.unitId, departmentId = COALESCE(NEW.departmentId, 0) WHERE userId = NEW.id";
const dropTerms = (row: string) => `DELETE FROM user_search_terms WHERE userId = ${row}.id`;
const bump = "UPDATE authz_version SET version = version + 1 WHERE id = 1";

function userTriggers(d: Dialect): string[] {
  if (d === "sqlite") {
    const namesChanged =
      "OLD.username IS NOT NEW.username OR OLD.displayName IS NOT NEW.displayName OR OLD.pinyin IS NOT NEW.pinyin OR OLD.pinyinInitials IS NOT NEW.pinyinInitials";
    const placeChanged = "OLD.unitId IS NOT NEW.unitId OR OLD.departmentId IS NOT NEW.departmentId";
    return [
      `CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN ${insertTerms(d, "NEW")}; ${countUp(d)}; END`,
      `CREATE TRIGGER users_search_names AFTER UPDATE OF username, displayName, pinyin, pinyinInitials ON users WHEN ${namesChanged} BEGIN ${dropTerms("NEW")}; ${insertTerms(d, "NEW")}; END`,
      `CREATE TRIGGER users_search_place AFTER UPDATE OF unitId, departmentId ON users WHEN ${placeChanged} BEGIN ${movePlace}; ${countDown}; ${countUp(d)}; END`,
      `CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN ${dropTerms("OLD")}; ${countDown}; END`,
    ];
  }
  // MariaDB: one trigger per event, with the conditions inside; `<=>` is the NULL-safe equality.
  const namesSame =
    "OLD.username <=> NEW.username AND OLD.displayName <=> NEW.displayName AND OLD.pinyin <=> NEW.pinyin AND OLD.pinyinInitials <=> NEW.pinyinInitials";
  const placeSame = "OLD.unitId <=> NEW.unitId AND OLD.departmentId <=> NEW.departmentId";
  return [
    `CREATE TRIGGER users_search_insert AFTER INSERT ON users FOR EACH ROW BEGIN ${insertTerms(d, "NEW")}; ${countUp(d)}; END`,
    `CREATE TRIGGER users_search_names AFTER UPDATE ON users FOR EACH ROW BEGIN
       IF NOT (${namesSame}) THEN ${dropTerms("NEW")}; ${insertTerms(d, "NEW")}; END IF;
       IF NOT (${placeSame}) THEN ${movePlace}; ${countDown}; ${countUp(d)}; END IF;
     END`,
    `CREATE TRIGGER users_search_delete AFTER DELETE ON users FOR EACH ROW BEGIN ${dropTerms("OLD")}; ${countDown}; END`,
  ];
}

function versionTriggers(d: Dialect): string[] {
  return VERSION_TRIGGERS.map(({ name, table, event }) =>
    d === "mysql"
      ? `CREATE TRIGGER ${name} AFTER ${event.toUpperCase()} ON ${table} FOR EACH ROW ${bump}`
      : `CREATE TRIGGER ${name} AFTER ${event.toUpperCase()} ON ${table} BEGIN ${bump}; END`,
  );
}

const dialectOf = (q: QueryInterface): Dialect => (q.sequelize.getDialect() === "sqlite" ? "sqlite" : "mysql");

export async function up({ context: q }: Migration): Promise<void> {
  const d = dialectOf(q);
  await q.createTable("search_positions", { n: { type: DataTypes.INTEGER, primaryKey: true } });
  await q.bulkInsert(
    "search_positions",
    Array.from({ length: POSITIONS }, (_, i) => ({ n: i + 1 })),
  );

  // Terms compare by code point on both databases (SQLite's BINARY; a binary, no-pad collation on MariaDB).
  await q.createTable("user_search_terms", {
    term: {
      type: d === "mysql" ? "VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin" : DataTypes.STRING(64),
      allowNull: false,
      primaryKey: true,
    },
    unitId: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
    departmentId: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
    userId: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
    // u username, p pinyin, i initials, n a suffix of the display name
    kind: { type: DataTypes.CHAR(1), allowNull: false, primaryKey: true },
  });
  await q.addIndex("user_search_terms", ["userId"]);

  await q.createTable("unit_user_counts", {
    unitId: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
    departmentId: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
    users: { type: DataTypes.INTEGER, allowNull: false },
  });

  await q.createTable("authz_version", {
    id: { type: DataTypes.INTEGER, primaryKey: true },
    version: { type: DataTypes.BIGINT, allowNull: false },
  });
  await q.bulkInsert("authz_version", [{ id: 1, version: 1 }]);

  await q.sequelize.query(insertTerms(d, "u", "users u"));
  await q.sequelize.query(
    "INSERT INTO unit_user_counts (unitId, departmentId, users)" +
      " SELECT unitId, COALESCE(departmentId, 0), COUNT(*) FROM users GROUP BY unitId, COALESCE(departmentId, 0)",
  );
  for (const sql of [...userTriggers(d), ...versionTriggers(d)]) await q.sequelize.query(sql);
}

export async function down({ context: q }: Migration): Promise<void> {
  const triggers = [...USER_TRIGGERS, ...VERSION_TRIGGERS.map((t) => t.name)];
  // MariaDB has no users_search_place (its update trigger does both); IF EXISTS covers it.
  for (const name of triggers) await q.sequelize.query(`DROP TRIGGER IF EXISTS ${name}`);
  for (const table of ["authz_version", "unit_user_counts", "user_search_terms", "search_positions"]) {
    await q.dropTable(table);
  }
}

import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * What the hot read paths need, kept up to date by the database itself:
 *
 * - `user_search_grams`: every string a search box may hold that should find
 *   a user — each prefix of the username and of its parts after '.', '_' or
 *   '-', of the full pinyin and of the initials, and every part (substring) of
 *   the lower-cased display name (伟 and 伟明 find 张伟明) — up to GRAM_MAX
 *   characters, one row per user and string. A search is then one exact key:
 *   the user's unit and department follow it in the key, so a page comes out
 *   of the index in list order and the total is a count over one key range.
 *   `fromName` is 0 for strings only the username has (the staff directory
 *   does not search usernames).
 * - `unit_user_counts`: users per unit and department (0 = none), for the tree
 *   and for list totals without a search.
 * - `authz_version`: one counter, raised with every change to roles, their
 *   permissions, units, departments or positions, so every app instance can
 *   cache them (server/org/services/orgSnapshot.ts) and notice a change with
 *   its next request.
 *
 * Triggers maintain all three in the same transaction as the change, whatever
 * code path writes users (form, CSV import, demo seed, generators, raw SQL).
 */
const POSITIONS = 64; // the longest display name and username (VARCHAR(64))
/** The longest search string kept; longer searches are checked against the users' columns (userSearch.ts). */
const GRAM_MAX = 32;

type Dialect = "sqlite" | "mysql";

const USER_TRIGGERS = ["users_search_insert", "users_search_names", "users_search_place", "users_search_delete"];
const VERSION_TRIGGERS = ["roles", "role_permissions", "units", "departments", "positions"].flatMap((table) =>
  ["insert", "update", "delete"].map((event) => ({ name: `${table}_authz_${event}`, table, event })),
);

/** The rows of `user_search_grams` for the user in NEW (or in `users u`, for the backfill). */
function gramsSelect(d: Dialect, row: string, users = ""): string {
  const length = (x: string) => (d === "mysql" ? `CHAR_LENGTH(${x})` : `LENGTH(${x})`);
  // Grams compare by code point on MariaDB too, so é and e, or 'ab' and 'ab ', stay apart.
  const gram = (x: string) => (d === "mysql" ? `${x} COLLATE utf8mb4_nopad_bin` : x);
  const place = `${row}.unitId, COALESCE(${row}.departmentId, 0), ${row}.id`;
  const from = (tables: string) => ` FROM ${users ? `${users}, ` : ""}${tables}`;
  const name = `${row}.displayName`;
  const username = `${row}.username`;
  // Every substring of `text` starting at a.n, b.n characters long.
  const parts = (text: string) => `a.n <= ${length(text)} AND b.n <= ${GRAM_MAX} AND a.n + b.n - 1 <= ${length(text)}`;
  const prefixes = (text: string, fromName: number) =>
    `SELECT ${gram(`SUBSTR(${text}, 1, b.n)`)}, ${place}, ${fromName}` +
    from("search_positions b") +
    ` WHERE b.n <= ${GRAM_MAX} AND b.n <= ${length(text)}`;
  return [
    `SELECT ${gram(`SUBSTR(LOWER(${name}), a.n, b.n)`)} AS gram, ${row}.unitId AS unitId,` +
      ` COALESCE(${row}.departmentId, 0) AS departmentId, ${row}.id AS userId, 1 AS fromName` +
      from("search_positions a, search_positions b") +
      ` WHERE ${parts(name)} AND SUBSTR(${name}, a.n, 1) <> ' ' AND SUBSTR(${name}, a.n + b.n - 1, 1) <> ' '`,
    prefixes(`${row}.pinyin`, 1),
    prefixes(`${row}.pinyinInitials`, 1),
    `SELECT ${gram(`SUBSTR(LOWER(${username}), a.n, b.n)`)}, ${place}, 0` +
      from("search_positions a, search_positions b") +
      ` WHERE ${parts(username)} AND (a.n = 1 OR SUBSTR(${username}, a.n - 1, 1) IN ('.', '_', '-'))`,
  ].join(" UNION ALL ");
}

const insertGrams = (d: Dialect, row: string, users = "") =>
  "INSERT INTO user_search_grams (gram, unitId, departmentId, userId, fromName)" +
  ` SELECT gram, unitId, departmentId, userId, MAX(fromName) FROM (${gramsSelect(d, row, users)}) AS t` +
  " GROUP BY gram, unitId, departmentId, userId";

const countUp = (d: Dialect) =>
  `INSERT INTO unit_user_counts (unitId, departmentId, users) VALUES (NEW.unitId, COALESCE(NEW.departmentId, 0), 1) ` +
  (d === "mysql"
    ? "ON DUPLICATE KEY UPDATE users = users + 1"
    : "ON CONFLICT (unitId, departmentId) DO UPDATE SET users = users + 1");
const countDown =
  "UPDATE unit_user_counts SET users = users - 1 WHERE unitId = OLD.unitId AND departmentId = COALESCE(OLD.departmentId, 0)";
const movePlace =
  "UPDATE user_search_grams SET unitId = NEW.unitId, departmentId = COALESCE(NEW.departmentId, 0) WHERE userId = NEW.id";
const dropGrams = (row: string) => `DELETE FROM user_search_grams WHERE userId = ${row}.id`;
const bump = "UPDATE authz_version SET version = version + 1 WHERE id = 1";

function userTriggers(d: Dialect): string[] {
  if (d === "sqlite") {
    const namesChanged =
      "OLD.username IS NOT NEW.username OR OLD.displayName IS NOT NEW.displayName OR OLD.pinyin IS NOT NEW.pinyin OR OLD.pinyinInitials IS NOT NEW.pinyinInitials";
    const placeChanged = "OLD.unitId IS NOT NEW.unitId OR OLD.departmentId IS NOT NEW.departmentId";
    return [
      `CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN ${insertGrams(d, "NEW")}; ${countUp(d)}; END`,
      `CREATE TRIGGER users_search_names AFTER UPDATE OF username, displayName, pinyin, pinyinInitials ON users WHEN ${namesChanged} BEGIN ${dropGrams("NEW")}; ${insertGrams(d, "NEW")}; END`,
      `CREATE TRIGGER users_search_place AFTER UPDATE OF unitId, departmentId ON users WHEN ${placeChanged} BEGIN ${movePlace}; ${countDown}; ${countUp(d)}; END`,
      `CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN ${dropGrams("OLD")}; ${countDown}; END`,
    ];
  }
  // MariaDB: one trigger per event, with the conditions inside; `<=>` is the NULL-safe equality.
  const namesSame =
    "OLD.username <=> NEW.username AND OLD.displayName <=> NEW.displayName AND OLD.pinyin <=> NEW.pinyin AND OLD.pinyinInitials <=> NEW.pinyinInitials";
  const placeSame = "OLD.unitId <=> NEW.unitId AND OLD.departmentId <=> NEW.departmentId";
  return [
    `CREATE TRIGGER users_search_insert AFTER INSERT ON users FOR EACH ROW BEGIN ${insertGrams(d, "NEW")}; ${countUp(d)}; END`,
    `CREATE TRIGGER users_search_names AFTER UPDATE ON users FOR EACH ROW BEGIN
       IF NOT (${namesSame}) THEN ${dropGrams("NEW")}; ${insertGrams(d, "NEW")}; END IF;
       IF NOT (${placeSame}) THEN ${movePlace}; ${countDown}; ${countUp(d)}; END IF;
     END`,
    `CREATE TRIGGER users_search_delete AFTER DELETE ON users FOR EACH ROW BEGIN ${dropGrams("OLD")}; ${countDown}; END`,
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

  // One B-tree keyed (gram, unit, department, user): a page is a walk along the key, a total a count over it.
  await q.sequelize.query(
    d === "mysql"
      ? "CREATE TABLE user_search_grams (gram VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL," +
          " unitId INT NOT NULL, departmentId INT NOT NULL, userId INT NOT NULL, fromName TINYINT(1) NOT NULL," +
          " PRIMARY KEY (gram, unitId, departmentId, userId)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
      : "CREATE TABLE user_search_grams (gram VARCHAR(32) NOT NULL, unitId INTEGER NOT NULL," +
          " departmentId INTEGER NOT NULL, userId INTEGER NOT NULL, fromName INTEGER NOT NULL," +
          " PRIMARY KEY (gram, unitId, departmentId, userId)) WITHOUT ROWID",
  );
  await q.addIndex("user_search_grams", ["userId"]);

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

  await q.sequelize.query(insertGrams(d, "u", "users u"));
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
  for (const table of ["authz_version", "unit_user_counts", "user_search_grams", "search_positions"]) {
    await q.dropTable(table);
  }
}

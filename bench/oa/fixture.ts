// The OA benchmark's database (MariaDB): the generated organisation of
// 100,000 users, 2,500,000 documents each in a running 发文 instance, and
// 10,000,000 tasks (four per instance, one in ten still open), made with
// MariaDB's SEQUENCE engine in batches. Building it takes many minutes, so it
// is kept, keyed like bench/api's fixture by its parameters and the schema of
// the checkout that built it.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Pool } from "mysql2/promise";
import mysql from "mysql2/promise";
import { HASH_COST, mariadbAdmin, mysqlOptions } from "../api/fixture.js";

import type * as ServerModuleNs from "../../server/server.js";
import type * as EnvModuleNs from "../../server/env.js";
import type * as LoggerModuleNs from "../../server/core/logger.js";
import type * as ModelsModuleNs from "../../server/org/models/index.js";
import type * as LargeOrgModuleNs from "../../server/org/services/largeOrganisation.js";
import type * as UsersModuleNs from "../../server/org/services/users.js";
import type * as PasswordsModuleNs from "../../server/org/services/passwords.js";

const FIXTURE_VERSION = 1;
export const BENCH_PASSWORD = "Bench#Oa2026";
/** Reads their to-do list: a member of staff with a list as long as the busiest people have. */
export const TODO_USER = "bench.todo";
/** Approves the bench process's first step; the second goes to APPROVAL_NEXT (so each approval notifies someone). */
export const APPROVER = "bench.approver";
export const APPROVAL_NEXT = "bench.next";
export const BENCH_PROCESS_KEY = "bench.approve";
/** Open tasks on the to-do user's list, and tasks they did before. */
export const TODO_OPEN = 60;
export const TODO_DONE = 400;

export interface OaFixtureProps {
  root: string;
  users: number;
  units: number;
  documents: number;
  tasks: number;
  cacheDir: string;
  mariadbServer: string;
  log(line: string): void;
}

export interface OaFixture {
  url: string;
  dataDir: string;
  database: string;
  key: string;
  built: boolean;
  buildSeconds: number;
}

const load = async <T>(root: string, path: string): Promise<T> => import(pathToFileURL(join(root, path)).href);

function fixtureKey(props: OaFixtureProps): string {
  const hash = createHash("sha256");
  hash.update(
    JSON.stringify({
      v: FIXTURE_VERSION,
      units: props.units,
      users: props.users,
      documents: props.documents,
      tasks: props.tasks,
    }),
  );
  const migrations = join(props.root, "migrations");
  for (const file of readdirSync(migrations).sort()) {
    hash.update(file);
    hash.update(readFileSync(join(migrations, file)));
  }
  // What builds the database (not the per-run helpers below it).
  hash.update(build.toString());
  return hash.digest("hex").slice(0, 12);
}

/** Runs `INSERT … SELECT … FROM seq_a_to_b` over [1, total] in batches, logging progress. */
async function inBatches(
  pool: Pool,
  total: number,
  batch: number,
  sql: (from: number, to: number) => string,
  label: string,
  log: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  for (let from = 1; from <= total; from += batch) {
    const to = Math.min(total, from + batch - 1);
    await pool.query(sql(from, to));
    const rate = to / Math.max(0.001, (Date.now() - started) / 1000);
    log(
      `  ${label}: ${to.toLocaleString("en")} / ${total.toLocaleString("en")} (${Math.round(rate).toLocaleString("en")}/s)`,
    );
  }
}

async function build(props: OaFixtureProps, url: string, dataDir: string): Promise<void> {
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
  const started = Date.now();
  try {
    const made = await generateLargeOrganisation(sequelize, { units: props.units, users: props.users, prefix: "gen" });
    props.log(
      `  generated ${made.units} units, ${made.users} users in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    const rootUnit = await models.Unit.findOne({ where: { code: "gen.root" } });
    const staff = await models.Role.findOne({ where: { code: "staff" } });
    if (!rootUnit || !staff) throw new Error("the generated organisation lacks its root or the staff role");
    const passwordHash = await hashPassword(BENCH_PASSWORD, HASH_COST);
    for (const [username, displayName] of [
      [TODO_USER, "基准待办"],
      [APPROVER, "基准审批"],
      [APPROVAL_NEXT, "基准下一步"],
    ] as const) {
      const user = await models.User.create({
        ...newUserRow({ username, displayName, unitId: rootUnit.id, passwordHash }),
        mustChangePassword: false,
        passwordChangedAt: new Date(),
      });
      await models.RoleAssignment.create({ userId: user.id, roleId: staff.id, unitId: rootUnit.id });
    }
  } finally {
    await sequelize.close();
  }

  const pool = mysql.createPool({
    ...mysqlOptions(url),
    connectionLimit: 2,
    multipleStatements: false,
  });
  try {
    const [[range]] = (await pool.query(
      "SELECT MIN(id) AS lo, MAX(id) AS hi FROM users WHERE username LIKE 'gen%'",
    )) as unknown as [{ lo: number; hi: number }[]];
    if (!range) throw new Error("no generated users");
    const [[version]] = (await pool.query(
      "SELECT v.id AS id FROM oa_process_versions v JOIN oa_processes p ON p.id = v.processId WHERE p.`key` = 'outgoing' ORDER BY v.version DESC LIMIT 1",
    )) as unknown as [{ id: number }[]];
    if (!version) throw new Error("the default 发文 process is missing");
    const n = range.hi - range.lo + 1;
    const user = (expr: string) => `(${range.lo} + ((${expr}) % ${n}))`;
    const now = "UTC_TIMESTAMP()";
    const docs = props.documents;
    // Documents and instances share ids (fresh tables, one each per sequence value).
    await inBatches(
      pool,
      docs,
      250_000,
      (
        a,
        b,
      ) => `INSERT INTO oa_documents (id, direction, status, unitId, departmentId, drafterId, docType, title, urgency,
          signers, mainRecipients, ccRecipients, bodyHtml, bodyRevision, needsCountersign, createdAt, updatedAt)
        SELECT s.seq, 'outgoing', 'running', u.unitId, u.departmentId, u.id, '通知',
               CONCAT('关于第', s.seq, '号事项的通知'), IF(s.seq % 20 = 0, '加急', NULL),
               '[]', '[]', '[]', '<p>正文</p>', 1, 0, ${now}, ${now}
          FROM seq_${a}_to_${b} s JOIN users u ON u.id = ${user("s.seq * 31")}`,
      "documents",
      props.log,
    );
    await inBatches(
      pool,
      docs,
      250_000,
      (
        a,
        b,
      ) => `INSERT INTO oa_instances (id, processVersionId, businessType, businessId, drafterId, status, currentNodeId,
          form, rev, startedAt, createdAt, updatedAt)
        SELECT s.seq, ${version.id}, 'document', s.seq, ${user("s.seq * 31")}, 'running', 'check', '{}', 4, ${now}, ${now}, ${now}
          FROM seq_${a}_to_${b} s`,
      "instances",
      props.log,
    );
    await inBatches(
      pool,
      docs,
      250_000,
      (a, b) => `UPDATE oa_documents SET instanceId = id WHERE id BETWEEN ${a} AND ${b}`,
      "documents → instances",
      props.log,
    );
    // Four tasks per instance (核稿, 审核, 签发, 复核); the last of one instance in ten is still open.
    const perInstance = Math.max(1, Math.round(props.tasks / docs));
    const nodes = ["review", "officeReview", "sign", "check"];
    await inBatches(
      pool,
      props.tasks,
      500_000,
      (
        a,
        b,
      ) => `INSERT INTO oa_tasks (instanceId, nodeId, nodeName, action, kind, round, seq, ownerId, assigneeId, status,
          outcome, comment, dueAt, remindAt, createdAt, completedAt)
        SELECT 1 + FLOOR((s.seq - 1) / ${perInstance}),
               ELT(1 + (s.seq - 1) % ${perInstance} % 4, ${nodes.map((x) => `'${x}'`).join(", ")}),
               ELT(1 + (s.seq - 1) % ${perInstance} % 4, '部门核稿', '办公室审核', '领导签发', '复核'),
               ELT(1 + (s.seq - 1) % ${perInstance} % 4, ${nodes.map((x) => `'${x}'`).join(", ")}),
               'do', 1, 0, ${user("s.seq * 7919")}, ${user("s.seq * 7919")},
               IF(s.seq % ${perInstance} = 0 AND FLOOR((s.seq - 1) / ${perInstance}) % 10 = 0, 'open', 'done'),
               IF(s.seq % ${perInstance} = 0 AND FLOOR((s.seq - 1) / ${perInstance}) % 10 = 0, NULL, 'approved'),
               NULL, ${now} + INTERVAL 1 DAY, NULL, ${now} - INTERVAL (s.seq % 1000) MINUTE, NULL
          FROM seq_${a}_to_${b} s`,
      "tasks",
      props.log,
    );
    // The to-do user: open tasks and done ones among the generated rows, spread over the table.
    const [[todo]] = (await pool.query("SELECT id FROM users WHERE username = ?", [TODO_USER])) as unknown as [
      { id: number }[],
    ];
    // Spread over the whole table: the task at or after each of evenly spaced ids.
    const spread = async (status: string, count: number) => {
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        const from = 1 + Math.floor(((i + 0.5) * props.tasks) / count);
        const [[row]] = (await pool.query("SELECT id FROM oa_tasks WHERE id >= ? AND status = ? ORDER BY id LIMIT 1", [
          from,
          status,
        ])) as unknown as [{ id: number }[]];
        if (row && !ids.includes(row.id)) ids.push(row.id);
      }
      await pool.query(`UPDATE oa_tasks SET assigneeId = ?, ownerId = ? WHERE id IN (${ids.join(",")})`, [
        todo!.id,
        todo!.id,
      ]);
    };
    await spread("open", TODO_OPEN);
    await spread("done", TODO_DONE);
    await pool.query("ANALYZE TABLE oa_tasks, oa_documents, oa_instances, users");
  } finally {
    await pool.end();
  }
}

export async function prepareOaFixture(props: OaFixtureProps): Promise<OaFixture> {
  const key = fixtureKey(props);
  const dir = join(props.cacheDir, `oa-${key}`);
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, "data");
  const started = Date.now();
  const database = `yong_oabench_${key}`;
  const marker = join(dir, "mariadb.json");
  const admin = await mariadbAdmin(props.mariadbServer);
  try {
    const [found] = await admin.connection.query("SHOW DATABASES LIKE ?", [database]);
    const exists = Array.isArray(found) && found.length > 0;
    let built = false;
    if (!exists || !existsSync(marker)) {
      props.log(
        `building the MariaDB database ${database} (${props.users} users, ${props.documents} documents, ${props.tasks} tasks) …`,
      );
      rmSync(marker, { force: true });
      await admin.connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.connection.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await build(props, admin.url(database), dataDir);
      writeFileSync(marker, JSON.stringify({ database, builtAt: new Date().toISOString() }));
      built = true;
    }
    return { url: admin.url(database), dataDir, database, key, built, buildSeconds: (Date.now() - started) / 1000 };
  } finally {
    await admin.connection.end();
  }
}

/**
 * Gives the approver `count` fresh instances of the bench process (两 steps:
 * the approver's, then APPROVAL_NEXT's), each with its open task, and returns
 * the task ids. Made per run, so every run approves tasks nobody touched.
 */
export async function prepareApprovals(url: string, count: number): Promise<number[]> {
  const conn = await mysql.createConnection(mysqlOptions(url));
  try {
    const [users] = (await conn.query("SELECT id, username FROM users WHERE username IN (?, ?)", [
      APPROVER,
      APPROVAL_NEXT,
    ])) as unknown as [{ id: number; username: string }[]];
    const approver = users.find((u) => u.username === APPROVER)!.id;
    const next = users.find((u) => u.username === APPROVAL_NEXT)!.id;
    const [[unit]] = (await conn.query("SELECT unitId FROM users WHERE id = ?", [approver])) as unknown as [
      { unitId: number }[],
    ];
    const graph = {
      nodes: [
        { id: "start", type: "start", name: "开始" },
        {
          id: "s1",
          type: "userTask",
          name: "审核",
          action: "review",
          assignee: { kind: "users", userIds: [approver] },
        },
        { id: "s2", type: "userTask", name: "复核", action: "check", assignee: { kind: "users", userIds: [next] } },
        { id: "end", type: "end", name: "结束" },
      ],
      flows: [
        { id: "f1", from: "start", to: "s1" },
        { id: "f2", from: "s1", to: "s2" },
        { id: "f3", from: "s2", to: "end" },
      ],
    };
    await conn.query(
      "INSERT IGNORE INTO oa_processes (`key`, name, category, unitId, latestVersion, enabled, createdAt, updatedAt) VALUES (?, '基准审批', 'general', NULL, 1, 0, UTC_TIMESTAMP(), UTC_TIMESTAMP())",
      [BENCH_PROCESS_KEY],
    );
    const [[process]] = (await conn.query("SELECT id FROM oa_processes WHERE `key` = ?", [
      BENCH_PROCESS_KEY,
    ])) as unknown as [{ id: number }[]];
    await conn.query(
      "INSERT IGNORE INTO oa_process_versions (processId, version, graph, createdAt) VALUES (?, 1, ?, UTC_TIMESTAMP())",
      [process!.id, JSON.stringify(graph)],
    );
    const [[version]] = (await conn.query("SELECT id FROM oa_process_versions WHERE processId = ? AND version = 1", [
      process!.id,
    ])) as unknown as [{ id: number }[]];
    const [[top]] = (await conn.query(
      "SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM oa_documents), (SELECT COALESCE(MAX(id), 0) FROM oa_instances)) AS id",
    )) as unknown as [{ id: number }[]];
    const base = Number(top!.id);
    await conn.query(
      `INSERT INTO oa_documents (id, direction, status, unitId, departmentId, drafterId, docType, title, signers,
          mainRecipients, ccRecipients, bodyHtml, bodyRevision, needsCountersign, createdAt, updatedAt)
        SELECT ${base} + s.seq, 'outgoing', 'running', ?, NULL, ?, '通知', CONCAT('基准审批第', s.seq, '件'),
               '[]', '[]', '[]', '<p>正文</p>', 1, 0, UTC_TIMESTAMP(), UTC_TIMESTAMP()
          FROM seq_1_to_${count} s`,
      [unit!.unitId, approver],
    );
    await conn.query(
      `INSERT INTO oa_instances (id, processVersionId, businessType, businessId, drafterId, status, currentNodeId, form,
          rev, startedAt, createdAt, updatedAt)
        SELECT ${base} + s.seq, ?, 'document', ${base} + s.seq, ?, 'running', 's1', '{}', 0,
               UTC_TIMESTAMP(), UTC_TIMESTAMP(), UTC_TIMESTAMP()
          FROM seq_1_to_${count} s`,
      [version!.id, approver],
    );
    await conn.query(`UPDATE oa_documents SET instanceId = id WHERE id > ${base}`);
    await conn.query(
      `INSERT INTO oa_tasks (instanceId, nodeId, nodeName, action, kind, round, seq, ownerId, assigneeId, status,
          createdAt)
        SELECT ${base} + s.seq, 's1', '审核', 'review', 'do', 1, 0, ?, ?, 'open', UTC_TIMESTAMP()
          FROM seq_1_to_${count} s`,
      [approver, approver],
    );
    const [rows] = (await conn.query(
      "SELECT id FROM oa_tasks WHERE instanceId > ? AND nodeId = 's1' AND status = 'open' ORDER BY id",
      [base],
    )) as unknown as [{ id: number }[]];
    return rows.map((r) => r.id);
  } finally {
    await conn.end();
  }
}

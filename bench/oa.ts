// The OA at scale, on MariaDB, beside baselines measured in the same run.
//
//   npm run bench:oa [-- --users 100000 --documents 2500000 --tasks 10000000]
//                    [-- --duration 10 --warmup 2 --connections 64 --approvals 12000]
//                    [-- --root <checkout>] [-- --cache <dir>] [-- --mariadb mysql://…]
//
// Builds (or reuses from --cache) a database of 100,000 users and 10,000,000
// tasks (bench/oa/fixture.ts), starts the real server (server/main.ts, its own
// process, default configuration) and the baseline server (bench/oa/baseline.ts:
// a bare Koa JSON route and a bare Koa route that runs the to-do list's SQL
// through mysql2), then measures at --connections connections:
//   (a) GET /api/oa/inbox/todo (the first page with its total) as a member of
//       staff with 60 open tasks, beside the baseline route for the same user
//       and the bare JSON route;
//   (b) approvals: POST /api/oa/tasks/:id/approve on fresh tasks, each moving
//       an instance to its next step with history, a new task, a notification
//       for its assignee and the audit event, all in one transaction.
// Prints a table and the goals, and ends with one JSON line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { mariadbAdmin } from "./api/fixture.js";
import { BenchClient, measure, type RouteFigures } from "./api/load.js";
import { cpuSeconds, mariadbPid, startProcess, type ServerProcess } from "./api/processes.js";
import { APPROVER, BENCH_PASSWORD, prepareApprovals, prepareOaFixture, TODO_OPEN, TODO_USER } from "./oa/fixture.js";
import { printColumns } from "./table.js";

const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    units: { type: "string", default: "300" },
    documents: { type: "string", default: "2500000" },
    tasks: { type: "string", default: "10000000" },
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "64" },
    approvals: { type: "string", default: "12000" },
    root: { type: "string", default: process.cwd() },
    cache: { type: "string", default: join(tmpdir(), "yong-bench") },
    mariadb: { type: "string", default: "mysql://yong:yong@127.0.0.1:3306" },
    "buffer-pool-mb": { type: "string", default: "2048" },
    "log-level": { type: "string", default: "info" },
  },
});
const num = (name: string, value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number`);
  return n;
};
const params = {
  users: num("users", args.users),
  units: num("units", args.units),
  documents: num("documents", args.documents),
  tasks: num("tasks", args.tasks),
  duration: num("duration", args.duration),
  warmup: num("warmup", args.warmup),
  connections: num("connections", args.connections),
  approvals: num("approvals", args.approvals),
};
const root = resolve(args.root);
const benchDir = fileURLToPath(new URL(".", import.meta.url));
const log = (line: string) => console.log(line);

/** A bigger InnoDB buffer pool when the account may set it (the default 128 MB holds little of 10 million tasks). */
async function bufferPool(server: string, wantMb: number): Promise<number> {
  const { connection: conn } = await mariadbAdmin(server);
  try {
    await conn.query(`SET GLOBAL innodb_buffer_pool_size = ${Math.round(wantMb) * 1024 * 1024}`).catch(() => undefined);
    const [[row]] = (await conn.query("SELECT @@innodb_buffer_pool_size AS size")) as unknown as [{ size: number }[]];
    return Number(row?.size ?? 0) / 1024 / 1024;
  } finally {
    await conn.end();
  }
}

interface Approvals {
  seconds: number;
  approvals: number;
  perSecond: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  cpuMs: number | null;
  dbCpuMs: number | null;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0) : 0;

/**
 * `connections` clients approve tasks from one shared list as fast as the
 * server answers, each with its own session (the approver's), for `seconds`.
 */
async function approveLoad(
  app: ServerProcess,
  cookie: BenchClient,
  taskIds: number[],
  connections: number,
  seconds: number,
): Promise<Approvals> {
  let next = 0;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const dbPid = mariadbPid();
  const cpu0 = { server: cpuSeconds(app.pid), db: cpuSeconds(dbPid) };
  const started = performance.now();
  const until = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until && next < taskIds.length) {
      const id = taskIds[next++]!;
      const t0 = performance.now();
      try {
        const res = await cookie.request("POST", `/api/oa/tasks/${id}/approve`, { comment: "同意" });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status === 200) latencies.push(performance.now() - t0);
      } catch {
        statuses.error = (statuses.error ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const cpu1 = { server: cpuSeconds(app.pid), db: cpuSeconds(dbPid) };
  const sorted = latencies.sort((a, b) => a - b);
  const per = (a: number | null, b: number | null) =>
    a === null || b === null || !latencies.length ? null : ((b - a) * 1000) / latencies.length;
  return {
    seconds: elapsed,
    approvals: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    statuses,
    cpuMs: per(cpu0.server, cpu1.server),
    dbCpuMs: per(cpu0.db, cpu1.db),
  };
}

async function main() {
  const poolMb = await bufferPool(args.mariadb, num("buffer-pool-mb", args["buffer-pool-mb"]));
  log(`MariaDB buffer pool: ${poolMb} MB`);
  const fixture = await prepareOaFixture({
    root,
    users: params.users,
    units: params.units,
    documents: params.documents,
    tasks: params.tasks,
    cacheDir: args.cache,
    mariadbServer: args.mariadb,
    log,
  });
  log(`database ${fixture.database} ${fixture.built ? "built" : "reused"} (${fixture.buildSeconds.toFixed(0)} s)`);
  const runDir = mkdtempSync(join(tmpdir(), "yong-bench-oa-"));
  const processes: ServerProcess[] = [];
  let ok = false;
  try {
    const app = await startProcess({
      cwd: root,
      script: "server/main.ts",
      env: {
        NODE_ENV: "production",
        DATABASE_URL: fixture.url,
        DATA_DIR: fixture.dataDir,
        SEED_DEMO: "false",
        SERVE_CLIENT: "false",
        LOG_LEVEL: args["log-level"],
      },
      logFile: join(runDir, "server.log"),
      readyPath: "/healthz",
    });
    processes.push(app);
    const baseline = await startProcess({
      cwd: root,
      script: join(benchDir, "oa/baseline.ts"),
      env: { NODE_ENV: "production", DATABASE_URL: fixture.url },
      logFile: join(runDir, "baseline.log"),
      readyPath: "/healthz",
    });
    processes.push(baseline);

    const reader = new BenchClient(app.url);
    const signedIn = await reader.signIn(TODO_USER, BENCH_PASSWORD);
    if (signedIn.status !== 200) throw new Error(`sign-in as ${TODO_USER} failed: ${signedIn.status} ${signedIn.text}`);
    const first = await reader.request("GET", "/api/oa/inbox/todo");
    const page = JSON.parse(first.text) as { total: number; items: unknown[] };
    if (first.status !== 200 || page.total !== TODO_OPEN) {
      throw new Error(`the to-do list answered ${first.status} with ${page.total} tasks (expected ${TODO_OPEN})`);
    }
    const userId = (JSON.parse((await reader.request("GET", "/api/auth/me")).text) as { user: { id: number } }).user.id;
    const direct = await fetch(`${baseline.url}/todo?user=${userId}`).then(
      (r) => r.json() as Promise<{ total: number }>,
    );
    if (direct.total !== TODO_OPEN) throw new Error(`the baseline to-do route found ${direct.total} tasks`);

    const rows: { id: string; label: string; figures: RouteFigures; cpuMs: number | null; dbCpuMs: number | null }[] =
      [];
    const routes = [
      {
        id: "baseline.json",
        label: "baseline: bare Koa JSON",
        url: `${baseline.url}/json`,
        pid: baseline.pid,
        cookie: undefined,
      },
      {
        id: "baseline.todo",
        label: "baseline: to-do SQL through mysql2",
        url: `${baseline.url}/todo?user=${userId}`,
        pid: baseline.pid,
        cookie: undefined,
      },
      {
        id: "todo",
        label: "GET /api/oa/inbox/todo",
        url: `${app.url}/api/oa/inbox/todo`,
        pid: app.pid,
        cookie: reader.cookieHeader(),
      },
    ];
    for (const route of routes) {
      log(`${route.label} …`);
      const dbPid = mariadbPid();
      let cpu = { server: null as number | null, db: null as number | null };
      const figures = await measure({
        url: route.url,
        cookie: route.cookie,
        connections: params.connections,
        duration: params.duration,
        warmup: params.warmup,
        onStart: () => (cpu = { server: cpuSeconds(route.pid), db: cpuSeconds(dbPid) }),
        onEnd: () => {
          const [server, db] = [cpuSeconds(route.pid), cpuSeconds(dbPid)];
          cpu = {
            server: server !== null && cpu.server !== null ? server - cpu.server : null,
            db: db !== null && cpu.db !== null ? db - cpu.db : null,
          };
        },
      });
      const per = (s: number | null) => (s === null || !figures.requests ? null : (s * 1000) / figures.requests);
      rows.push({ id: route.id, label: route.label, figures, cpuMs: per(cpu.server), dbCpuMs: per(cpu.db) });
    }

    log(`approvals: preparing ${params.approvals} fresh tasks …`);
    const taskIds = await prepareApprovals(fixture.url, params.approvals);
    const approver = new BenchClient(app.url);
    const approverIn = await approver.signIn(APPROVER, BENCH_PASSWORD);
    if (approverIn.status !== 200) throw new Error(`sign-in as ${APPROVER} failed: ${approverIn.text}`);
    // Warm-up on the first tasks, then the measured run on the rest.
    const warm = Math.min(taskIds.length, Math.max(200, params.connections * 4));
    await approveLoad(app, approver, taskIds.slice(0, warm), params.connections, params.warmup);
    log("approvals …");
    const approvals = await approveLoad(app, approver, taskIds.slice(warm), params.connections, params.duration);
    ok = true;
    return { rows, approvals, poolMb, fixture };
  } finally {
    for (const p of processes.reverse()) await p.stop();
    if (ok) rmSync(runDir, { recursive: true, force: true });
    else log(`server logs kept in ${runDir}`);
  }
}

const { rows, approvals, poolMb, fixture } = await main();
const json = rows.find((r) => r.id === "baseline.json")!.figures.rps;
const direct = rows.find((r) => r.id === "baseline.todo")!.figures.rps;
const todo = rows.find((r) => r.id === "todo")!;
const ms = (x: number | null) => (x === null ? "—" : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`;
console.log(
  `\nMariaDB (buffer pool ${poolMb} MB): ${params.users} users, ${params.tasks} tasks, ${params.connections} connections, ${params.duration} s per route`,
);
const header = [
  "route",
  "req/s",
  "p50 ms",
  "p99 ms",
  "non-2xx",
  "errors",
  "vs JSON",
  "vs to-do SQL",
  "cpu ms/req",
  "db cpu ms/req",
];
const lines = rows.map((r) => [
  r.label,
  r.figures.rps.toFixed(0),
  ms(r.figures.p50),
  ms(r.figures.p99),
  String(r.figures.non2xx),
  String(r.figures.errors),
  pct(r.figures.rps / json),
  pct(r.figures.rps / direct),
  r.cpuMs === null ? "" : r.cpuMs.toFixed(3),
  r.dbCpuMs === null ? "" : r.dbCpuMs.toFixed(3),
]);
printColumns(header, lines);
const statuses = Object.entries(approvals.statuses)
  .map(([k, v]) => `${k}×${v}`)
  .join(" ");
console.log(
  `approvals: ${approvals.approvals} in ${approvals.seconds.toFixed(1)} s = ${approvals.perSecond.toFixed(0)}/s at ${params.connections} connections, p50 ${ms(approvals.p50)} ms, p99 ${ms(approvals.p99)} ms (${statuses}), server cpu ${ms(approvals.cpuMs)} ms and MariaDB cpu ${ms(approvals.dbCpuMs)} ms per approval`,
);
const goal = (met: boolean, text: string) => console.log(`  ${met ? "met    " : "NOT met"}  ${text}`);
console.log("goals:");
const ratio = todo.figures.rps / direct;
const p99 = todo.figures.non2xx || todo.figures.errors ? Infinity : (todo.figures.p99 ?? Infinity);
goal(
  ratio >= 0.5,
  `to-do list ≥ 50% of the to-do SQL route's req/s: ${pct(ratio)} (${pct(todo.figures.rps / json)} of bare JSON)`,
);
goal(p99 <= 25, `to-do list p99 ≤ 25 ms: ${Number.isFinite(p99) ? `${ms(p99)} ms` : "failed"}`);
goal(approvals.perSecond >= 500, `approvals ≥ 500/s: ${approvals.perSecond.toFixed(0)}/s`);
const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
console.log(
  JSON.stringify({
    bench: "oa",
    at: new Date().toISOString(),
    params,
    bufferPoolMb: poolMb,
    database: fixture.database,
    results: Object.fromEntries(
      rows.map((r) => [
        r.id,
        {
          rps: round(r.figures.rps),
          p50: r.figures.p50,
          p99: r.figures.p99,
          non2xx: r.figures.non2xx,
          errors: r.figures.errors,
          vsJson: round(r.figures.rps / json),
          vsTodoSql: round(r.figures.rps / direct),
          cpuMs: round(r.cpuMs),
          dbCpuMs: round(r.dbCpuMs),
        },
      ]),
    ),
    approvals: { ...approvals, perSecond: round(approvals.perSecond) },
    goals: {
      todoVsSql: round(ratio),
      todoP99: Number.isFinite(p99) ? p99 : null,
      approvalsPerSecond: round(approvals.perSecond),
    },
  }),
);

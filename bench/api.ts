// Request cost of the API, measured beside two baselines in the same run.
//
//   npm run bench:api [-- --db sqlite|mariadb|both] [-- --users 100000 --units 300]
//                     [-- --duration 10 --warmup 2 --connections 32 --logins 8]
//                     [-- --only me,users.zw,tree] [-- --root <checkout>]
//
// For each database it builds (or reuses, from --cache) the generated
// organisation, starts the real server (server/main.ts of the checkout, its
// own process, default configuration: argon2id at 19 MiB, info logging) and the
// baseline server (bench/api/baseline.ts: a bare Koa JSON route and a bare Koa
// route reading one session row by primary key through the same driver), signs
// in as a system administrator and runs autocannon against one route at a time.
// Two rows repeat /healthz and /api/auth/me while sign-ins run in parallel.
// It prints a table per database and ends with one JSON line of every figure.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ADMIN_USERNAME, BENCH_PASSWORD, LOGIN_ACCOUNTS, prepareFixture, type Dialect } from "./api/fixture.js";
import { BenchClient, measure, startLogins, type LoginFigures, type RouteFigures } from "./api/load.js";
import { cpuSeconds, mariadbPid, startProcess, type ServerProcess } from "./api/processes.js";
import { printColumns } from "./table.js";

const { values: args } = parseArgs({
  options: {
    db: { type: "string", default: "sqlite" },
    users: { type: "string", default: "100000" },
    units: { type: "string", default: "300" },
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "32" },
    logins: { type: "string", default: "8" },
    only: { type: "string" },
    root: { type: "string", default: process.cwd() },
    cache: { type: "string", default: join(tmpdir(), "yong-bench") },
    mariadb: { type: "string", default: "mysql://yong:yong@127.0.0.1:3306" },
    "log-level": { type: "string", default: "info" },
  },
});

const root = resolve(args.root);
const benchDir = fileURLToPath(new URL(".", import.meta.url));
const dialects: Dialect[] =
  args.db === "both" ? ["sqlite", "mariadb"] : args.db === "mariadb" ? ["mariadb"] : ["sqlite"];
if (!["sqlite", "mariadb", "both"].includes(args.db)) throw new Error("--db is sqlite, mariadb or both");
const num = (name: string, value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number`);
  return n;
};
const params = {
  users: num("users", args.users),
  units: num("units", args.units),
  duration: num("duration", args.duration),
  warmup: num("warmup", args.warmup),
  connections: num("connections", args.connections),
  logins: num("logins", args.logins),
};

interface Route {
  id: string;
  label: string;
  target: "app" | "baseline";
  path: string;
  signedIn: boolean;
  /** Sign-ins per second run alongside. */
  logins?: boolean;
}

const q = (text: string) => `/api/org/users?q=${encodeURIComponent(text)}`;
const ROUTES: Route[] = [
  { id: "baseline.json", label: "baseline: bare Koa JSON", target: "baseline", path: "/json", signedIn: false },
  {
    id: "baseline.session",
    label: "baseline: session row by key",
    target: "baseline",
    path: "/session",
    signedIn: true,
  },
  { id: "me", label: "GET /api/auth/me", target: "app", path: "/api/auth/me", signedIn: true },
  { id: "users", label: "GET /api/org/users", target: "app", path: "/api/org/users", signedIn: true },
  { id: "users.zhang", label: "  ?q=zhang", target: "app", path: q("zhang"), signedIn: true },
  { id: "users.zw", label: "  ?q=zw", target: "app", path: q("zw"), signedIn: true },
  { id: "users.zhangwei", label: "  ?q=张伟", target: "app", path: q("张伟"), signedIn: true },
  { id: "users.wei", label: "  ?q=伟", target: "app", path: q("伟"), signedIn: true },
  { id: "tree", label: "GET /api/org/tree", target: "app", path: "/api/org/tree", signedIn: true },
  {
    id: "healthz.logins",
    label: "GET /healthz + logins",
    target: "app",
    path: "/healthz",
    signedIn: false,
    logins: true,
  },
  {
    id: "me.logins",
    label: "GET /api/auth/me + logins",
    target: "app",
    path: "/api/auth/me",
    signedIn: true,
    logins: true,
  },
];
const only = args.only?.split(",").map((s) => s.trim());
const selected = ROUTES.filter((r) => !only || only.includes(r.id) || r.id.startsWith("baseline."));

interface Row extends RouteFigures {
  id: string;
  status: number;
  /** Body bytes of one answer, and the median time of single requests one after another. */
  bytes: number;
  single: number;
  vsJson: number | null;
  vsSession: number | null;
  /** CPU milliseconds per request of the serving process and (MariaDB) of the database server. */
  cpuMs: number | null;
  dbCpuMs: number | null;
  /** The session baseline's CPU per request over this route's (server + database): req/s ratio on an idle machine. */
  costVsSession: number | null;
  logins?: LoginFigures;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function singleRequests(url: string, cookie: string | undefined, n = 15) {
  const times: number[] = [];
  let status = 0;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers: cookie ? { cookie } : {} });
    const body = await res.arrayBuffer();
    times.push(performance.now() - t0);
    status = res.status;
    bytes = body.byteLength;
  }
  times.sort((a, b) => a - b);
  return { status, bytes, single: times[Math.floor(times.length / 2)] ?? 0 };
}

async function runDialect(dialect: Dialect): Promise<Row[]> {
  const fixture = await prepareFixture({
    root,
    dialect,
    units: params.units,
    users: params.users,
    cacheDir: args.cache,
    mariadbServer: args.mariadb,
    log,
  });
  log(
    `${dialect}: database ${fixture.built ? "built" : "reused"} (${fixture.key}, ${fixture.buildSeconds.toFixed(0)} s)`,
  );
  const runDir = mkdtempSync(join(tmpdir(), "yong-bench-run-"));
  const processes: ServerProcess[] = [];
  let ok = false;
  try {
    const app = await startProcess({
      cwd: root,
      script: "server/main.ts",
      env: {
        // Measured as deployed (server/main.ts: no source-mapped stacks in production).
        NODE_ENV: "production",
        DATABASE_URL: fixture.url,
        DATA_DIR: fixture.dataDir,
        SEED_DEMO: "false",
        SERVE_CLIENT: "false",
        // The login stream comes from many client addresses, as through a load balancer.
        TRUST_PROXY: "true",
        LOG_LEVEL: args["log-level"],
      },
      logFile: join(runDir, "server.log"),
      readyPath: "/healthz",
    });
    processes.push(app);
    const baseline = await startProcess({
      cwd: root,
      script: join(benchDir, "api/baseline.ts"),
      env: { NODE_ENV: "production", DATABASE_URL: fixture.url },
      logFile: join(runDir, "baseline.log"),
      readyPath: "/healthz",
    });
    processes.push(baseline);

    const admin = new BenchClient(app.url);
    const signIn = await admin.signIn(ADMIN_USERNAME, BENCH_PASSWORD);
    if (signIn.status !== 200) throw new Error(`sign-in as ${ADMIN_USERNAME} failed: ${signIn.status} ${signIn.text}`);
    const cookie = admin.cookieHeader();

    const rows: Row[] = [];
    for (const route of selected) {
      const url = (route.target === "app" ? app.url : baseline.url) + route.path;
      const routeCookie = route.signedIn ? cookie : undefined;
      const first = await singleRequests(url, routeCookie);
      if (first.status !== 200) throw new Error(`${route.label}: status ${first.status}`);
      log(`${dialect}: ${route.label.trim()} …`);
      const logins = route.logins
        ? startLogins({ baseUrl: app.url, accounts: LOGIN_ACCOUNTS, password: BENCH_PASSWORD, rate: params.logins })
        : null;
      const serving = route.target === "app" ? app : baseline;
      const dbPid = dialect === "mariadb" ? mariadbPid() : undefined;
      let cpu: { server: number | null; db: number | null } = { server: null, db: null };
      const figures = await measure({
        url,
        cookie: routeCookie,
        connections: params.connections,
        duration: params.duration,
        warmup: params.warmup,
        onStart: () => (cpu = { server: cpuSeconds(serving.pid), db: cpuSeconds(dbPid) }),
        onEnd: () => {
          const [server, db] = [cpuSeconds(serving.pid), cpuSeconds(dbPid)];
          cpu = {
            server: server !== null && cpu.server !== null ? server - cpu.server : null,
            db: db !== null && cpu.db !== null ? db - cpu.db : null,
          };
        },
      });
      const loginFigures = await logins?.stop();
      const perRequest = (seconds: number | null) =>
        seconds === null || figures.requests === 0 ? null : (seconds * 1000) / figures.requests;
      rows.push({
        id: route.id,
        ...first,
        ...figures,
        vsJson: null,
        vsSession: null,
        cpuMs: perRequest(cpu.server),
        dbCpuMs: perRequest(cpu.db),
        costVsSession: null,
        logins: loginFigures,
      });
    }
    const json = rows.find((r) => r.id === "baseline.json")?.rps;
    const session = rows.find((r) => r.id === "baseline.session")?.rps;
    const cost = (r: Row | undefined) => (r?.cpuMs == null ? null : r.cpuMs + (r.dbCpuMs ?? 0));
    const sessionCost = cost(rows.find((r) => r.id === "baseline.session"));
    for (const r of rows) {
      r.vsJson = json ? r.rps / json : null;
      r.vsSession = session ? r.rps / session : null;
      const own = cost(r);
      r.costVsSession = sessionCost !== null && own ? sessionCost / own : null;
    }
    ok = true;
    return rows;
  } finally {
    for (const p of processes.reverse()) await p.stop();
    fixture.release();
    if (ok) rmSync(runDir, { recursive: true, force: true });
    else log(`server logs kept in ${runDir}`);
  }
}

const pct = (x: number | null) => (x === null ? "" : `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`);
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

function printTable(dialect: Dialect, rows: Row[]): void {
  const header = [
    "route",
    "req/s",
    "p50 ms",
    "p99 ms",
    "non-2xx",
    "errors",
    "1 req ms",
    "bytes",
    "vs JSON",
    "vs session",
    "cpu ms/req",
    ...(dialect === "mariadb" ? ["db cpu ms/req"] : []),
    "cost vs session",
  ];
  const lines = rows.map((r) => [
    ROUTES.find((x) => x.id === r.id)?.label ?? r.id,
    r.rps.toFixed(0),
    r.p50 === null ? "—" : ms(r.p50),
    r.p99 === null ? "—" : ms(r.p99),
    String(r.non2xx),
    r.timeouts ? `${r.errors} (${r.timeouts} timed out)` : String(r.errors),
    ms(r.single),
    String(r.bytes),
    pct(r.vsJson),
    pct(r.vsSession),
    r.cpuMs === null ? "" : r.cpuMs.toFixed(3),
    ...(dialect === "mariadb" ? [r.dbCpuMs === null ? "" : r.dbCpuMs.toFixed(3)] : []),
    r.logins ? "" : pct(r.costVsSession),
  ]);
  console.log(
    `\n${dialect}: ${params.users} users, ${params.units} units, ${params.connections} connections, ${params.duration} s per route`,
  );
  printColumns(header, lines);
  for (const r of rows) {
    if (!r.logins) continue;
    const l = r.logins;
    const statuses = Object.entries(l.statuses)
      .map(([k, v]) => `${k}×${v}`)
      .join(" ");
    console.log(
      `  logins during ${r.id}: ${l.achieved.toFixed(1)}/s answered of ${l.rate}/s asked (${statuses || "none"}; ${l.skipped} not started), p50 ${ms(l.p50)} ms, p99 ${ms(l.p99)} ms`,
    );
  }
  const me = rows.find((r) => r.id === "me");
  const lists = rows.filter((r) => r.id.startsWith("users"));
  const tree = rows.find((r) => r.id === "tree");
  const underLoad = rows.filter((r) => r.logins);
  const goal = (ok: boolean, text: string) => console.log(`  ${ok ? "met    " : "NOT met"}  ${text}`);
  // A route that failed or timed out has no meaningful p99: it misses any latency goal.
  const p99Of = (r: Row) => (r.p99 === null || r.non2xx > 0 || r.errors > 0 ? Infinity : r.p99);
  const msOrFailed = (x: number) => (Number.isFinite(x) ? `${ms(x)} ms` : "failed or timed out");
  console.log("goals:");
  if (me?.vsSession != null) {
    goal(
      me.vsSession >= 0.5,
      `/api/auth/me ≥ 50% of the session baseline's req/s: ${pct(me.vsSession)}` +
        (me.costVsSession === null ? "" : ` (by CPU per request, server + database: ${pct(me.costVsSession)})`),
    );
  }
  if (lists.length) {
    const worst = Math.max(...lists.map(p99Of));
    goal(worst <= 50, `user list and search p99 ≤ 50 ms: worst ${msOrFailed(worst)}`);
  }
  if (tree)
    goal(
      tree.single <= 20,
      `tree ≤ 20 ms per request: ${ms(tree.single)} ms (p99 at ${params.connections} connections ${msOrFailed(p99Of(tree))})`,
    );
  if (underLoad.length) {
    const worst = Math.max(...underLoad.map(p99Of));
    goal(
      worst <= 50,
      `/healthz and /api/auth/me p99 ≤ 50 ms during ${params.logins} logins/s: worst ${msOrFailed(worst)}`,
    );
  }
}

const results: Record<string, Row[]> = {};
for (const dialect of dialects) {
  results[dialect] = await runDialect(dialect);
  printTable(dialect, results[dialect]);
}
const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
console.log(
  JSON.stringify({
    bench: "api",
    at: new Date().toISOString(),
    root,
    params,
    results: Object.fromEntries(
      Object.entries(results).map(([dialect, rows]) => [
        dialect,
        Object.fromEntries(
          rows.map((r) => [
            r.id,
            {
              rps: round(r.rps),
              p50: r.p50,
              p99: r.p99,
              single: round(r.single),
              bytes: r.bytes,
              non2xx: r.non2xx,
              errors: r.errors,
              timeouts: r.timeouts,
              statuses: r.statuses,
              vsJson: round(r.vsJson),
              vsSession: round(r.vsSession),
              cpuMs: round(r.cpuMs),
              dbCpuMs: round(r.dbCpuMs),
              costVsSession: round(r.costVsSession),
              ...(r.logins ? { logins: { ...r.logins, achieved: round(r.logins.achieved) } } : {}),
            },
          ]),
        ),
      ]),
    ),
  }),
);

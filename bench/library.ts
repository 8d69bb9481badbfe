// Borrowing under load: 200 patrons borrowing at once over HTTP against the real server, beside
// baselines measured in the same run.
//
//   npm run bench:library [-- --patrons 200 --loans 10 --titles 50 --sequential 100]
//   DATABASE_URL=mysql://yong:yong@127.0.0.1:3306/yong_bench npm run bench:library   (a fresh database on that server)
//
// The real server (server/main.ts, its own process, default configuration except the password hash's cost and
// the sign-in limits, which only the preparation meets) over a fresh database: a new one on DATABASE_URL's
// MariaDB, or a temporary SQLite file without it. Prepared beforehand: --patrons public patrons (the patron
// role, the public unit) and --titles titles on a concurrent-use licence with copies to spare, and the public
// loan rule raised so that no patron reaches a limit; every patron signs in over HTTP before anything is timed.
//
// Measured, each as --patrons clients at once, each client one request after another:
//   borrow    POST /api/library/loans, --loans per patron (distinct titles): each locks its title's row, counts
//             the loans and ready holds, inserts the loan, audits it and counts it (services/lending.ts);
//   baseline  GET /api/auth/me, as many requests: an authenticated read through the same session middleware;
// and, alone, one patron borrowing --sequential titles one after another (the latency with nobody else about).
// Afterwards the loans are counted in the database: exactly patrons × loans + sequential must be there.
// Prints a table and ends with one JSON line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseEnv } from "../server/env.js";
import { createLogger } from "../server/core/logger.js";
import { insertRows } from "../server/core/rows.js";
import { prepareDatabase } from "../server/server.js";
import { Role, RoleAssignment, Unit, User } from "../server/org/models/index.js";
import { hashPassword } from "../server/org/services/passwords.js";
import { LibraryLoan, LibraryRule, LibraryTitle } from "../server/library/models/index.js";
import { ApiClient } from "../tests/helpers/apiClient.js";
import { createTestDatabase } from "../tests/helpers/testDatabase.js";
import { spawnServerProcess } from "../tests/helpers/serverProcess.js";
import { printColumns } from "./table.js";

const { values: args } = parseArgs({
  options: {
    patrons: { type: "string", default: "200" },
    loans: { type: "string", default: "10" },
    titles: { type: "string", default: "50" },
    sequential: { type: "string", default: "100" },
  },
});
const num = (name: string, value: string, min = 1) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return n;
};
const params = {
  patrons: num("patrons", args.patrons),
  loans: num("loans", args.loans),
  titles: num("titles", args.titles),
  sequential: num("sequential", args.sequential),
};
if (params.loans > params.titles) throw new Error("--loans must not exceed --titles (each loan is of another title)");
const log = (line: string) => console.log(line);

const PASSWORD = "Bench#Library2026";
/** The cost of the patrons' password hash, for the server too: the sign-ins are preparation, not what is timed. */
const HASH_KIB = "1024";

/** Public patrons and titles, as the library would hold them, written directly (the preparation is not timed). */
async function prepare(url: string, dataDir: string): Promise<{ titleIds: number[] }> {
  const sequelize = await prepareDatabase(parseEnv({ DATABASE_URL: url, DATA_DIR: dataDir }), createLogger("warn"));
  try {
    const unit = await Unit.findOne({ where: { kind: "public" } });
    const role = await Role.findOne({ where: { code: "patron" } });
    if (!unit || !role) throw new Error("the public patrons' unit and role are missing");
    const passwordHash = await hashPassword(PASSWORD, Number(HASH_KIB));
    const count = params.patrons + 1;
    await sequelize.transaction(async (t) => {
      const users = await insertRows(
        User,
        Array.from({ length: count }, (_, i) => ({
          username: `reader${i}@bench.example`,
          displayName: `读者${i}`,
          email: `reader${i}@bench.example`,
          unitId: unit.id,
          passwordHash,
          mustChangePassword: false,
        })),
        t,
      );
      await insertRows(
        RoleAssignment,
        users.map((u) => ({ userId: u.id, roleId: role.id, unitId: null })),
        t,
      );
    });
    // Enough loans for every patron (the rule, not the licence, would otherwise stop them).
    await LibraryRule.update({ maxLoans: 1_000_000 }, { where: { patronCategory: "public" } });
    const titles = await sequelize.transaction((t) =>
      insertRows(
        LibraryTitle,
        Array.from({ length: params.titles + params.sequential }, (_, i) => ({
          title: `史記 卷${i + 1}`,
          authors: "司馬遷",
          licenceModel: "pool",
          copies: 1_000_000,
          classCode: "K204.2",
        })),
        t,
      ),
    );
    return { titleIds: titles.map((t) => t.id) };
  } finally {
    await sequelize.close();
  }
}

interface Figures {
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  failures: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;

/** Runs each client's requests one after another, all clients at once; latencies in milliseconds. */
async function timed(clients: ApiClient[], perClient: (client: ApiClient, i: number) => (() => Promise<number>)[]) {
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, i) => {
      for (const step of perClient(client, i)) {
        const t0 = performance.now();
        const status = await step();
        latencies.push(performance.now() - t0);
        if (status >= 400) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    requests: latencies.length,
    seconds: round(seconds),
    perSecond: round(latencies.length / seconds),
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    failures,
  } satisfies Figures;
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), "yong-bench-library-"));
  let server: Awaited<ReturnType<typeof spawnServerProcess>> | null = null;
  try {
    log(`database: ${db.dialect}; ${params.patrons} patrons × ${params.loans} loans over ${params.titles} titles`);
    const { titleIds } = await prepare(db.url, dataDir);
    server = await spawnServerProcess({
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      SEED_DEMO: "false",
      PASSWORD_HASH_MEMORY_KIB: HASH_KIB,
      LOGIN_LIMIT_PER_IP: "1000000",
      LOGIN_LIMIT_PER_ACCOUNT: "1000000",
      LOG_LEVEL: "warn",
    });
    const signIn = async (i: number) => {
      const client = new ApiClient(server!.url);
      const res = await client.post("/api/auth/login", { username: `reader${i}@bench.example`, password: PASSWORD });
      if (res.status !== 200) throw new Error(`sign-in of reader${i}: ${res.status} ${res.text}`);
      await client.get("/api/auth/csrf");
      return client;
    };
    const clients: ApiClient[] = [];
    for (let from = 0; from < params.patrons; from += 20)
      clients.push(
        ...(await Promise.all(Array.from({ length: Math.min(20, params.patrons - from) }, (_, k) => signIn(from + k)))),
      );
    const loner = await signIn(params.patrons);

    // Warm-up: one read each (connections, statement caches), not measured.
    await Promise.all(clients.map((c) => c.get("/api/auth/me")));

    const baseline = await timed(clients, (client) =>
      Array.from({ length: params.loans }, () => async () => (await client.get("/api/auth/me")).status),
    );
    // Each patron starts at another title, so the 200 spread over the titles as real borrowers would.
    const borrowing = await timed(clients, (client, i) =>
      Array.from({ length: params.loans }, (_, k) => async () => {
        const titleId = titleIds[(i + k) % params.titles]!;
        return (await client.post("/api/library/loans", { titleId })).status;
      }),
    );
    const sequential = await timed([loner], (client) =>
      Array.from({ length: params.sequential }, (_, k) => async () => {
        const titleId = titleIds[params.titles + k]!;
        return (await client.post("/api/library/loans", { titleId })).status;
      }),
    );

    // The loans made are in the database, exactly.
    const check = await prepareDatabase(parseEnv({ DATABASE_URL: db.url, DATA_DIR: dataDir }), createLogger("warn"));
    const loans = await LibraryLoan.count({ where: { state: "active" } });
    await check.close();
    const expected = params.patrons * params.loans + params.sequential;

    printColumns(
      ["", "requests", "seconds", "per second", "p50 ms", "p95 ms", "failed"],
      [
        [`borrow (${params.patrons} at once)`, borrowing],
        [`GET /api/auth/me (${params.patrons} at once)`, baseline],
        ["borrow (one patron alone)", sequential],
      ].map(([name, f]) => {
        const x = f as Figures;
        return [name as string, ...[x.requests, x.seconds, x.perSecond, x.p50, x.p95, x.failures].map(String)];
      }),
      { rule: true },
    );
    log(`loans in the database: ${loans} (expected ${expected})`);
    console.log(
      JSON.stringify({
        bench: "library",
        database: db.dialect,
        patrons: params.patrons,
        loansPerPatron: params.loans,
        titles: params.titles,
        borrow: borrowing,
        baselineMe: baseline,
        borrowAlone: sequential,
        loansCounted: loans,
        loansExpected: expected,
      }),
    );
    if (loans !== expected || borrowing.failures || sequential.failures) process.exitCode = 1;
  } finally {
    await server?.stop();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

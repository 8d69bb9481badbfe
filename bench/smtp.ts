// Inbound mail: our MX beside Debian's Postfix on the same machine, in the same run,
// both driven by Postfix's own load generator (smtp-source).
//
//   npm run bench:smtp [-- --messages 2000 --sessions 20 --size 10240 --warmup 200 --rounds 1]
//   DATABASE_URL=mysql://yong:yong@127.0.0.1:3306/yong_bench npm run bench:smtp   (a fresh database on that server)
//
// Our side: `npm run mail` (mail/main.ts) as its own process, default configuration,
// on a fresh SQLite file (or a new database on DATABASE_URL's MariaDB) with the demo
// organisation; smtp-source sends --messages messages of --size bytes over --sessions
// parallel SMTP sessions to one user. Our MX answers 250 only once a message is in the
// blob store (fsynced) and its rows have committed, so the time is until smtp-source
// has its last 250; afterwards the rows are counted and every blob is looked for.
//
// Baseline: a private Postfix (tests/mail/postfix.ts: Debian's package, its own
// directories, loopback only, out-of-the-box settings) delivering to a local Maildir.
// Postfix queues (fsynced) before its 250 and delivers afterwards, so its time is
// until the last message is in the Maildir.
//
// CPU per message: the MX process's; Postfix's master with all its daemons.
// Each side gets --warmup messages first (not measured). With --rounds > 1 the two
// sides alternate and the best round of each counts. BENCH_NODE_ARGS adds node
// options to the MX process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
// Prints a table and the goal, and ends with one JSON line.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { QueryTypes } from "sequelize";
import { createBlobStore } from "../server/core/blobStore.js";
import { openDatabase } from "../server/core/db.js";
import { createTestDatabase } from "../tests/helpers/testDatabase.js";
import { commandMissing, freePort, greets, postfixMissing, startPostfix } from "../tests/mail/postfix.js";
import { cpuSeconds } from "./api/processes.js";
import { printColumns } from "./table.js";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "2000" },
    sessions: { type: "string", default: "20" },
    size: { type: "string", default: "10240" },
    warmup: { type: "string", default: "200" },
    rounds: { type: "string", default: "1" },
    root: { type: "string", default: process.cwd() },
    "log-level": { type: "string", default: "warn" },
  },
});
const num = (name: string, value: string, min = 0) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return n;
};
const params = {
  messages: num("messages", args.messages, 1),
  sessions: num("sessions", args.sessions, 1),
  size: num("size", args.size, 1),
  warmup: num("warmup", args.warmup),
  rounds: num("rounds", args.rounds, 1),
};
const root = resolve(args.root);
const log = (line: string) => console.log(line);
const run = promisify(execFile);

const OUR_USER = "office.staff1@nanning.gov.cn";
const POSTFIX_USER = "bench@example.test";
const SENDER = "sender@bench.example.org";

for (const missing of [postfixMissing(), commandMissing("smtp-source", "postfix")]) {
  if (missing) throw new Error(`bench:smtp needs Debian's Postfix: ${missing}`);
}

/** One smtp-source run: `count` messages over the sessions, each kept open for the next message (-d). */
async function smtpSource(port: number, to: string, count: number): Promise<number> {
  const started = performance.now();
  // Without -A it stops at the first answer that is not a success, and exits with an error.
  await run("smtp-source", [
    "-d",
    ...["-s", String(params.sessions)],
    ...["-l", String(params.size)],
    ...["-m", String(count)],
    ...["-M", "client.bench.example.org"],
    ...["-f", SENDER],
    ...["-t", to],
    `127.0.0.1:${port}`,
  ]).catch((error: unknown) => {
    throw new Error(`smtp-source to port ${port} failed: ${String(error)}`, { cause: error });
  });
  return (performance.now() - started) / 1000;
}

/** utime, stime, cutime, cstime of a process (cutime/cstime: its children that have exited), in seconds. */
function processTimes(pid: number): { own: number; children: number; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at state (field 3).
    const f = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    return { ppid: f[1]!, own: (f[11]! + f[12]!) / CLOCK_TICKS, children: (f[13]! + f[14]!) / CLOCK_TICKS };
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

/** CPU seconds used so far by Postfix: the master, its live daemons, and those that have exited. */
function postfixCpuSeconds(master: number | null): number | null {
  if (!master) return null;
  const own = processTimes(master);
  if (!own) return null;
  let total = own.own + own.children;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const times = processTimes(Number(entry));
    if (times?.ppid === master) total += times.own;
  }
  return total;
}

interface MailProcess {
  pid: number | undefined;
  port: number;
  stop(): Promise<void>;
}

/** `npm run mail` as its own process (the MX alone), its output in a log file; resolves once it listens. */
async function startMail(env: Record<string, string>, logFile: string): Promise<MailProcess> {
  const port = await freePort();
  const out = openSync(logFile, "a");
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "mail/main.ts"], {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      NODE_ENV: "production",
      SMTP_PORT: String(port),
      // The MX alone is measured.
      SUBMISSION_PORT: "off",
      SMTPS_PORT: "off",
      HOST: "127.0.0.1",
      LOG_LEVEL: args["log-level"],
      // Every session of the bench comes from one address; a real MX sees many.
      SMTP_MAX_CONNECTIONS_PER_IP: String(params.sessions + 5),
    },
    stdio: ["ignore", out, out],
  });
  closeSync(out);
  const deadline = Date.now() + 120_000;
  while (!(await greets(port))) {
    if (child.exitCode !== null)
      throw new Error(`mail/main.ts exited with ${child.exitCode}:\n${readFileSync(logFile, "utf8")}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`mail/main.ts did not listen within 120 s:\n${readFileSync(logFile, "utf8")}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    pid: child.pid,
    port,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Round {
  messages: number;
  seconds: number;
  perSecond: number;
  /** Until the last 250 (for Postfix: queued; for us: stored). */
  acceptSeconds: number;
  cpuMsPerMessage: number | null;
}

const round = (messages: number, seconds: number, acceptSeconds: number, cpuMs: number | null): Round => ({
  messages,
  seconds,
  perSecond: messages / seconds,
  acceptSeconds,
  cpuMsPerMessage: cpuMs === null ? null : cpuMs / messages,
});

async function main() {
  const runDir = mkdtempSync(join(tmpdir(), "yong-bench-smtp-"));
  const dataDir = join(runDir, "data");
  const db = await createTestDatabase();
  const env = { DATABASE_URL: db.url, DATA_DIR: dataDir, PASSWORD_HASH_MEMORY_KIB: "1024" };
  let ok = false;
  let mail: MailProcess | undefined;
  const postfix = await startPostfix({ hostname: "mx.example.test", mailboxes: [POSTFIX_USER] });
  const sequelize = openDatabase(db.url);
  try {
    log(`database: ${db.dialect}; seeding the demo organisation …`);
    await run(process.execPath, ["--import", "tsx", "server/cli/db.ts", "seed"], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    mail = await startMail(env, join(runDir, "mail.log"));
    const stored = async () => {
      const [row] = await sequelize.query<{ n: number }>(
        `SELECT COUNT(*) AS n FROM mail_messages m JOIN mailboxes b ON b.id = m.mailboxId WHERE b.address = ?`,
        { replacements: [OUR_USER], type: QueryTypes.SELECT },
      );
      return Number(row?.n ?? 0);
    };

    const ours: Round[] = [];
    const theirs: Round[] = [];
    let sentToUs = 0;
    let sentToPostfix = 0;
    const measureOurs = async (count: number) => {
      const before = await stored();
      const cpu0 = cpuSeconds(mail!.pid);
      const seconds = await smtpSource(mail!.port, OUR_USER, count);
      const cpu1 = cpuSeconds(mail!.pid);
      sentToUs += count;
      const now = await stored();
      if (now - before !== count)
        throw new Error(`our MX answered 250 to ${count} messages but stored ${now - before}`);
      return round(count, seconds, seconds, cpu0 === null || cpu1 === null ? null : (cpu1 - cpu0) * 1000);
    };
    const master = await postfix.masterPid();
    const measurePostfix = async (count: number) => {
      const cpu0 = postfixCpuSeconds(master);
      const started = performance.now();
      const acceptSeconds = await smtpSource(postfix.port, POSTFIX_USER, count);
      sentToPostfix += count;
      await postfix.waitForMaildir(POSTFIX_USER, sentToPostfix, 600_000);
      const seconds = (performance.now() - started) / 1000;
      const cpu1 = postfixCpuSeconds(master);
      return round(count, seconds, acceptSeconds, cpu0 === null || cpu1 === null ? null : (cpu1 - cpu0) * 1000);
    };

    if (params.warmup) {
      log(`warm-up: ${params.warmup} messages to each …`);
      await measurePostfix(params.warmup);
      await measureOurs(params.warmup);
    }
    for (let i = 1; i <= params.rounds; i++) {
      log(`round ${i}: Postfix …`);
      theirs.push(await measurePostfix(params.messages));
      log(`round ${i}: our MX …`);
      ours.push(await measureOurs(params.messages));
    }

    // Durably stored: every message's blob is in the store.
    const blobs = createBlobStore({ DATA_DIR: dataDir });
    const hashes = await sequelize.query<{ sha256: string }>(
      `SELECT m.sha256 AS sha256 FROM mail_messages m JOIN mailboxes b ON b.id = m.mailboxId WHERE b.address = ?`,
      { replacements: [OUR_USER], type: QueryTypes.SELECT },
    );
    let missingBlobs = 0;
    for (const { sha256 } of hashes) if (!(await blobs.has(sha256))) missingBlobs += 1;
    if (hashes.length !== sentToUs || missingBlobs) {
      throw new Error(`${hashes.length} rows for ${sentToUs} messages sent, ${missingBlobs} blobs missing`);
    }
    const version = (await run("/usr/sbin/postconf", ["-h", "-d", "mail_version"])).stdout.trim();
    ok = true;
    return { ours, theirs, version, dialect: db.dialect, stored: hashes.length };
  } finally {
    await mail?.stop();
    await postfix.stop();
    await sequelize.close();
    await db.drop();
    if (ok) rmSync(runDir, { recursive: true, force: true });
    else log(`logs kept in ${runDir}`);
  }
}

const { ours, theirs, version, dialect, stored } = await main();
const best = (rounds: Round[]) => rounds.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
const mine = best(ours);
const baseline = best(theirs);
const ratio = mine.perSecond / baseline.perSecond;
const mb = (r: Round) => (r.messages * params.size) / r.seconds / 1024 / 1024;
console.log(
  `\n${params.messages} messages of ${params.size} bytes over ${params.sessions} sessions (smtp-source -d), best of ${params.rounds}`,
);
const row = (label: string, r: Round) => [
  label,
  r.perSecond.toFixed(0),
  r.seconds.toFixed(2),
  r.acceptSeconds.toFixed(2),
  mb(r).toFixed(1),
  r.cpuMsPerMessage === null ? "" : r.cpuMsPerMessage.toFixed(2),
];
printColumns(
  ["", "msg/s", "seconds", "until last 250", "MB/s", "cpu ms/msg"],
  [row(`Postfix ${version} → Maildir`, baseline), row(`Yong Office MX (${dialect}) → blob store + rows`, mine)],
);
console.log(`stored and checked: ${stored} messages (rows and blobs)`);
console.log("goal:");
console.log(`  ${ratio >= 0.5 ? "met    " : "NOT met"}  ≥ 50% of Postfix's messages/s: ${(ratio * 100).toFixed(1)}%`);
const r3 = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
const figures = (r: Round) => ({
  messages: r.messages,
  seconds: r3(r.seconds),
  perSecond: r3(r.perSecond),
  acceptSeconds: r3(r.acceptSeconds),
  cpuMsPerMessage: r3(r.cpuMsPerMessage),
});
console.log(
  JSON.stringify({
    bench: "smtp",
    at: new Date().toISOString(),
    params,
    database: dialect,
    postfix: { version, ...figures(baseline), rounds: theirs.map(figures) },
    mx: { ...figures(mine), rounds: ours.map(figures) },
    goals: { vsPostfix: r3(ratio) },
  }),
);

// The servers under test run in their own processes, so that the load
// generator (this process) and the server do not share an event loop.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

export interface ServerProcess {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * CPU seconds (user + system, every thread) a process has used so far, from
 * /proc; null where there is none. On a shared machine the CPU a request costs
 * varies much less than the requests per second another load leaves room for.
 */
export function cpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at state; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

/** The MariaDB server's process id, when it runs on this machine. */
export function mariadbPid(): number | undefined {
  for (const file of ["/run/mysqld/mysqld.pid", "/var/run/mysqld/mysqld.pid"]) {
    try {
      const pid = Number(readFileSync(file, "utf8").trim());
      if (pid > 0) return pid;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/**
 * Runs `node --import tsx <script>` in `cwd` with `env`, sends its output to
 * `logFile` (a pipe would make this process read every request log line) and
 * waits until GET `readyPath` answers 200. BENCH_NODE_ARGS adds node options
 * that NODE_OPTIONS refuses, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to
 * profile the servers under load.
 */
export async function startProcess(props: {
  cwd: string;
  script: string;
  env: Record<string, string>;
  logFile: string;
  readyPath: string;
}): Promise<ServerProcess> {
  const port = await freePort();
  const out = openSync(props.logFile, "a");
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, "--import", "tsx", props.script], {
    cwd: props.cwd,
    // No MX in the benches that do not measure mail (several servers may run at once).
    env: {
      SMTP_PORT: "off",
      SUBMISSION_PORT: "off",
      SMTPS_PORT: "off",
      ...process.env,
      ...props.env,
      PORT: String(port),
      HOST: "127.0.0.1",
    },
    stdio: ["ignore", out, out],
  });
  closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  const tail = () => readFileSync(props.logFile, "utf8").slice(-3000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${props.script} exited with ${child.exitCode}:\n${tail()}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${props.script} did not answer ${props.readyPath} within 120 s:\n${tail()}`);
    }
    try {
      const res = await fetch(url + props.readyPath);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    pid: child.pid,
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

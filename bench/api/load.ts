// Load generation: autocannon for one route at a time, a small cookie-keeping
// client for signing in, and an open-loop stream of logins.
import autocannon from "autocannon";

export interface RouteFigures {
  /** Mean requests per second over the run. */
  rps: number;
  /** Latency of 2xx answers, milliseconds; null when none came (every request failed or timed out). */
  p50: number | null;
  p99: number | null;
  requests: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
}

export async function measure(props: {
  url: string;
  cookie?: string;
  connections: number;
  duration: number;
  warmup: number;
  /** Called between the warm-up and the measured run, and after it. */
  onStart?: () => void;
  onEnd?: () => void;
}): Promise<RouteFigures> {
  const headers: Record<string, string> = props.cookie ? { cookie: props.cookie } : {};
  if (props.warmup > 0) {
    await autocannon({ url: props.url, connections: props.connections, duration: props.warmup, headers });
  }
  props.onStart?.();
  const result = await autocannon({
    url: props.url,
    connections: props.connections,
    duration: props.duration,
    headers,
  });
  props.onEnd?.();
  const answered = result["2xx"] > 0;
  return {
    rps: result.requests.average,
    p50: answered ? result.latency.p50 : null,
    p99: answered ? result.latency.p99 : null,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
  };
}

/** Keeps the cookies a browser would and sends the CSRF header like the SPA. */
export class BenchClient {
  private readonly cookies = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { ...this.headers };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    if (method !== "GET") {
      headers["x-csrf-token"] = this.cookies.get("yo_csrf") ?? "";
      headers["content-type"] = "application/json";
    }
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, text: await res.text() };
  }

  async signIn(username: string, password: string): Promise<{ status: number; text: string }> {
    await this.request("GET", "/api/auth/csrf");
    return this.request("POST", "/api/auth/login", { username, password });
  }
}

export interface LoginFigures {
  /** Logins per second asked for and achieved (answers of any status). */
  rate: number;
  achieved: number;
  started: number;
  /** Not started because too many were still waiting for an answer. */
  skipped: number;
  statuses: Record<string, number>;
  p50: number;
  p99: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0) : 0;

/**
 * Starts `rate` sign-ins per second, whatever the server's pace (open loop),
 * from distinct client addresses (X-Forwarded-For; the server trusts it in the
 * benchmark) and rotating accounts, with the right password so each one costs
 * a full password check. At most `maxInFlight` wait at once.
 */
export function startLogins(props: {
  baseUrl: string;
  accounts: string[];
  password: string;
  rate: number;
  maxInFlight?: number;
}): { stop(): Promise<LoginFigures> } {
  const maxInFlight = props.maxInFlight ?? 64;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  let started = 0;
  let skipped = 0;
  const begun = performance.now();

  const one = async (n: number) => {
    const ip = `10.77.${(n >> 8) & 255}.${n & 255}`;
    const client = new BenchClient(props.baseUrl, { "x-forwarded-for": ip });
    const account = props.accounts[n % props.accounts.length] ?? "";
    try {
      await client.request("GET", "/api/auth/csrf");
      const t0 = performance.now();
      const res = await client.request("POST", "/api/auth/login", { username: account, password: props.password });
      latencies.push(performance.now() - t0);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      // Leave no session behind to pile up between runs.
      if (res.status === 200) await client.request("POST", "/api/auth/logout");
    } catch {
      statuses.error = (statuses.error ?? 0) + 1;
    }
  };

  const timer = setInterval(() => {
    if (pending.size >= maxInFlight) {
      skipped++;
      return;
    }
    const p = one(started++).finally(() => pending.delete(p));
    pending.add(p);
  }, 1000 / props.rate);

  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all(pending);
      const seconds = (performance.now() - begun) / 1000;
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        rate: props.rate,
        achieved: latencies.length / seconds,
        started,
        skipped,
        statuses,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
      };
    },
  };
}

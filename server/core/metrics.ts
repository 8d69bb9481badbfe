import type { Context, Next } from "koa";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  registry: Registry;
  middleware: (ctx: Context, next: Next) => Promise<void>;
  loginAttempts: Counter<"outcome">;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "yong_" });
  const requests = new Histogram({
    name: "yong_http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const loginAttempts = new Counter({
    name: "yong_login_attempts_total",
    help: "Login attempts by outcome",
    labelNames: ["outcome"],
    registers: [registry],
  });
  return {
    registry,
    loginAttempts,
    middleware: async (ctx, next) => {
      const end = requests.startTimer();
      try {
        await next();
      } finally {
        // The matched route pattern, not the raw path, keeps label cardinality bounded.
        const route =
          (ctx as Context & { _matchedRoute?: string })._matchedRoute ??
          (ctx.path.startsWith("/api/") ? "unmatched" : "static");
        end({ method: ctx.method, route: String(route), status: String(ctx.status) });
      }
    },
  };
}

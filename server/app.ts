import { createHash, timingSafeEqual } from "node:crypto";
import { oaDocumentsRouter } from "./oa/routes/documents/index.js";
import { oaTasksRouter } from "./oa/routes/tasks/index.js";
import { oaInboxRouter } from "./oa/routes/inbox/index.js";
import { oaNumberCodesRouter } from "./oa/routes/number-codes/index.js";
import { oaDelegationsRouter } from "./oa/routes/delegations/index.js";
import { archiveRouter } from "./archive/routes/records/index.js";
import { archiveImportsRouter } from "./archive/routes/imports/index.js";
import { archiveIntakeRouter } from "./archive/routes/intake/index.js";
import { libraryCatalogueRouter } from "./library/routes/catalogue/index.js";
import { libraryManageRouter } from "./library/routes/manage/index.js";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Koa, { type Context, type Middleware, type Next } from "koa";
import Router from "@koa/router";
import { bodyParser } from "@koa/bodyparser";
import compress from "koa-compress";
import serve from "koa-static";
import { z } from "zod";
import type { AppContext, AppContextExtras, AppState, Services } from "./core/context.js";
import { DENIED_CONFLICTS, errorHandler, notFound, unauthenticated, type AppError } from "./core/errors.js";
import { authenticate, csrfProtection, requirePasswordChange } from "./core/auth.js";
import { databaseProbe } from "./core/health.js";
import { createBlobStore } from "./core/blobStore.js";
import { canonicalApiPath, isApiPath } from "./core/apiPath.js";
import { refuseNulBytes } from "./core/validate.js";
import { recordAuditEvent, type AuditEntry } from "./audit/services/auditChain.js";
import { AuditBuffer } from "./audit/services/auditBuffer.js";
import { DenialTally } from "./audit/services/denialTally.js";
import { auditRouter } from "./audit/routes/index.js";
import { authRouter } from "./org/routes/auth/index.js";
import { unitsRouter } from "./org/routes/units/index.js";
import { usersRouter } from "./org/routes/users/index.js";
import { rolesRouter } from "./org/routes/roles/index.js";
import { settingsRouter } from "./org/routes/settings/index.js";
import { notificationsRouter } from "./notify/routes/notifications/index.js";
import { processesRouter } from "./oa/routes/processes/index.js";
import { mailMailboxesRouter } from "./mailbox/routes/mailboxes/index.js";
import { mailMessagesRouter } from "./mailbox/routes/messages/index.js";
import { mailComposeRouter } from "./mailbox/routes/compose/index.js";
import { mailAdminRouters } from "./mailbox/routes/admin/index.js";
import { statsLibraryRouter } from "./stats/routes/library/index.js";
import { libraryOpdsRouter, opdsShortcut } from "./library/routes/opds/index.js";
import { libraryBasicAuth } from "./library/routes/opds/basicAuth.js";
import { libraryReadingRouter } from "./library/routes/reading/index.js";
import { libraryPatronsRouter } from "./library/routes/patrons/index.js";
import { libraryLoansRouter } from "./library/routes/loans/index.js";
import { libraryHoldsRouter } from "./library/routes/holds/index.js";
import { libraryRulesRouter } from "./library/routes/rules/index.js";

const clientDist = join(dirname(fileURLToPath(import.meta.url)), "..", "client", "dist");

/** Every domain router, in one place, so tests can walk all routes. */
export function apiRouters(): Router<AppState, AppContextExtras>[] {
  return [
    authRouter(),
    unitsRouter(),
    usersRouter(),
    rolesRouter(),
    settingsRouter(),
    auditRouter(),
    archiveRouter(),
    archiveImportsRouter(),
    archiveIntakeRouter(),
    notificationsRouter(),
    processesRouter(),
    oaDocumentsRouter(),
    oaTasksRouter(),
    oaInboxRouter(),
    oaNumberCodesRouter(),
    oaDelegationsRouter(),
    mailMailboxesRouter(),
    mailMessagesRouter(),
    mailComposeRouter(),
    ...mailAdminRouters(),
    statsLibraryRouter(),
    libraryOpdsRouter(),
    libraryReadingRouter(),
    libraryCatalogueRouter(),
    libraryManageRouter(),
    libraryPatronsRouter(),
    libraryLoansRouter(),
    libraryHoldsRouter(),
    libraryRulesRouter(),
  ];
}

async function recordAudit(
  ctx: AppContext,
  entry: Omit<AuditEntry, "ip">,
  transaction?: Parameters<typeof recordAuditEvent>[2],
) {
  const actor = ctx.state.actor;
  await recordAuditEvent(
    ctx.services.sequelize,
    { actorId: actor?.id ?? null, actorName: actor?.user.username ?? null, ...entry, ip: ctx.ip },
    transaction,
  );
  ctx.state.audited = true;
}

// What a refused role change was about, read leniently: the handler never got to validate it.
const RoleChangeAttempt = z.object({
  params: z.object({ id: z.coerce.number().int().positive().optional() }),
  body: z.object({ roleId: z.coerce.number().int().positive().optional() }).catch({}),
});

async function recordDenial(ctx: AppContext, error: AppError): Promise<void> {
  if (error.code === "password_change_required") return;
  if (!ctx.state.actor) {
    // Not signed in: counted per caller, route and reason, one event a minute (a failed login is audited by its route).
    if (!ctx.state.audited)
      ctx.services.denials.count({ ip: ctx.ip, route: `${ctx.method} ${ctx.path}`.slice(0, 64), reason: error.code });
    return;
  }
  // A signed-in 401 (a lockout by a wrong password) is audited by the route that refused.
  if (error.status === 401) return;
  if (DENIED_CONFLICTS.has(error.code)) {
    // A 三员 rule refused a role change: record whom it concerned and which role, for the auditor.
    const attempt = RoleChangeAttempt.safeParse({ params: ctx.params ?? {}, body: ctx.request.body ?? {} });
    const userId = attempt.success ? attempt.data.params.id : undefined;
    await recordAudit(ctx, {
      action: "authz.denied",
      outcome: "denied",
      targetType: userId ? "user" : "route",
      targetId: userId ?? `${ctx.method} ${ctx.path}`.slice(0, 64),
      detail: {
        reason: error.code,
        message: error.message,
        route: `${ctx.method} ${ctx.path}`,
        roleId: attempt.success ? (attempt.data.body.roleId ?? null) : null,
      },
    });
    return;
  }
  await recordAudit(ctx, {
    action: "authz.denied",
    outcome: "denied",
    targetType: "route",
    targetId: `${ctx.method} ${ctx.path}`.slice(0, 64),
    detail: { reason: error.code, message: error.message },
  });
}

/**
 * 三员分立 demands that everything the three administrators do is on record.
 * Requests that did not already write a domain event are recorded here, after
 * the response status is known.
 */
async function auditAdministrators(ctx: AppContext, next: Next): Promise<void> {
  await next();
  const actor = ctx.state.actor;
  if (!actor?.adminKind || ctx.state.audited || !isApiPath(ctx.path) || ctx.path === "/api/auth/me") return;
  // The notification bell's poll, sent by the SPA every minute on its own: not something the person did.
  if (ctx.method === "GET" && ctx.path === "/api/notifications/unread-count") return;
  const entry = {
    action: "admin.request",
    outcome: ctx.status < 400 ? "success" : ctx.status === 403 ? "denied" : "failure",
    targetType: "route",
    targetId: `${ctx.method} ${ctx.path}`.slice(0, 64),
    detail: { status: ctx.status, adminKind: actor.adminKind },
  } as const;
  // A read changes nothing to commit with: its record joins the next batch instead of a locked write of its own.
  if (READ_METHODS.has(ctx.method)) {
    ctx.services.auditBuffer.add({ ...entry, actorId: actor.id, actorName: actor.user.username, ip: ctx.ip });
    ctx.state.audited = true;
    return;
  }
  await recordAudit(ctx, entry).catch((err) =>
    ctx.services.logger.error({ err }, "audit of administrator request failed"),
  );
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

async function serveMetrics(ctx: Context, services: Pick<Services, "metrics">): Promise<void> {
  ctx.type = services.metrics.registry.contentType;
  ctx.body = await services.metrics.registry.metrics();
}

/**
 * Prometheus metrics on a listener of their own (METRICS_PORT, bound to
 * 127.0.0.1 by startServer): reachable from the host, or a sidecar, only.
 */
export function createMetricsApp(services: Pick<Services, "metrics">): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx, next) => {
    if (ctx.method !== "GET" || ctx.path !== "/metrics") return next();
    await serveMetrics(ctx, services);
  });
  return app;
}

async function securityHeaders(ctx: AppContext, next: Next): Promise<void> {
  ctx.set("X-Content-Type-Options", "nosniff");
  ctx.set("X-Frame-Options", "DENY");
  ctx.set("Referrer-Policy", "same-origin");
  ctx.set(
    "Content-Security-Policy",
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
  );
  if (isApiPath(ctx.path)) ctx.set("Cache-Control", "no-store");
  await next();
}

/**
 * One line per request. Files of the SPA that were served fine are logged at
 * debug (a first visit fetches dozens and would bury everything else); API
 * calls and every failure stay at info.
 */
function requestLog(ctx: AppContext, next: Next): Promise<void> {
  const started = performance.now();
  return next().finally(() => {
    const level = isApiPath(ctx.path) || ctx.status >= 400 ? "info" : "debug";
    ctx.services.logger[level](
      {
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        ms: Math.round(performance.now() - started),
        user: ctx.state.actor?.id,
      },
      "request",
    );
  });
}

/**
 * Text is worth compressing; PDFs, images, archives, fonts, audio and video
 * already are (and a PDF is read by byte ranges that must match the file).
 * Streams that report progress (event streams) must not wait in a compressor.
 */
function compressible(contentType: string): boolean {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "text/event-stream") return false;
  return (
    type.startsWith("text/") ||
    type === "image/svg+xml" ||
    /^application\/(json|javascript|xml|[\w.-]+\+(json|xml))$/.test(type)
  );
}

/**
 * Turns a JSON answer into its text once. Left an object, it would be
 * stringified twice: by koa-compress, which asks the body's length to compare
 * it with its threshold, and by Koa when it sends it. The content type that
 * Koa set for the object stays.
 */
async function serializeJsonOnce(ctx: Context, next: Next): Promise<void> {
  await next();
  const body: unknown = ctx.body;
  // Only what Koa itself would send as JSON: plain objects and arrays (not buffers, streams or blobs).
  if (body === null || typeof body !== "object") return;
  if (!Array.isArray(body) && Object.getPrototypeOf(body) !== Object.prototype) return;
  ctx.body = JSON.stringify(body);
}

/** Vite names every file under /assets/ after its content: a copy, once fetched, is never stale. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * The built SPA: hashed assets cached for good, everything else (index.html,
 * files copied from public/) revalidated on every use so a new release shows
 * at once. A missing asset stays 404 instead of becoming the HTML shell.
 */
function clientFiles(dist: string): Middleware<AppState, AppContextExtras> {
  const assets = serve(dist, { index: false, setHeaders: (res) => res.setHeader("Cache-Control", IMMUTABLE) });
  const files = serve(dist, { index: "index.html", setHeaders: (res) => res.setHeader("Cache-Control", "no-cache") });
  return async (ctx, next) => {
    if (ctx.path.startsWith("/assets/")) return assets(ctx, next);
    await files(ctx, next);
    // History-mode SPA: any other GET that is not an API call gets the shell (read per request, so a rebuild shows at once).
    if (ctx.method === "GET" && ctx.status === 404 && !isApiPath(ctx.path) && ctx.accepts("html")) {
      ctx.type = "html";
      ctx.set("Cache-Control", "no-cache");
      ctx.body = await readFile(join(dist, "index.html"));
    }
  };
}

/**
 * `auditBuffer`, `denials` and `blobs` may be left out (tests of other concerns); the app then makes its own.
 * Jobs the app enqueues start at once when a job runner works in this process (onJobQueued), else at the next poll.
 */
export function createApp(
  base: Omit<Services, "auditBuffer" | "denials" | "blobs"> &
    Partial<Pick<Services, "auditBuffer" | "denials" | "blobs">>,
): Koa<AppState, AppContextExtras> {
  const auditBuffer = base.auditBuffer ?? new AuditBuffer(base.sequelize, base.logger);
  const services: Services = {
    ...base,
    auditBuffer,
    denials: base.denials ?? new DenialTally(auditBuffer),
    blobs: base.blobs ?? createBlobStore(base.env),
  };
  const app = new Koa<AppState, AppContextExtras>({ proxy: services.env.TRUST_PROXY });
  app.context.services = services;
  app.context.audit = function audit(this: AppContext, entry, transaction) {
    return recordAudit(this, entry, transaction);
  };
  app.silent = true;

  const ops = new Router<AppState, AppContextExtras>({ sensitive: true, strict: true });
  // Public: load balancers and Prometheus poll these without a session.
  const databaseAnswers = databaseProbe(services.sequelize);
  ops.get("/healthz", async (ctx: AppContext) => {
    if (await databaseAnswers()) {
      ctx.body = { status: "ok", db: "ok" };
      return;
    }
    services.logger.error("health check failed: the database did not answer");
    ctx.status = 503;
    ctx.body = { status: "error", db: "unreachable" };
  });
  // The web server listens on every interface: metrics only to whoever holds METRICS_TOKEN (or on METRICS_PORT).
  ops.get("/metrics", async (ctx: AppContext) => {
    const token = services.env.METRICS_TOKEN;
    if (!token) throw notFound("Route");
    if (!sameSecret(/^Bearer (.+)$/i.exec(ctx.get("authorization"))?.[1] ?? "", token)) {
      ctx.set("WWW-Authenticate", 'Bearer realm="metrics"');
      throw unauthenticated("metrics_token_required", "Send the metrics token as a bearer token");
    }
    await serveMetrics(ctx, services);
  });

  app.use(services.metrics.middleware);
  app.use(requestLog);
  // Brotli or gzip as the client accepts; the build ships .br/.gz twins of its assets, served as they are.
  app.use(compress({ filter: compressible, threshold: 1024, deflate: false }));
  app.use(serializeJsonOnce);
  app.use(securityHeaders);
  app.use(auditAdministrators);
  app.use(errorHandler(services.logger, recordDenial));
  // Authentication first, so that every refusal below names the user.
  app.use(authenticate);
  app.use(canonicalApiPath);
  // Reader apps sign in to the OPDS catalogue, and fetch its files, with HTTP Basic (server/library/routes/opds).
  app.use(libraryBasicAuth);
  app.use(bodyParser({ enableTypes: ["json"], jsonLimit: services.env.BODY_LIMIT, encoding: "utf-8" }));
  app.use(refuseNulBytes);
  app.use(csrfProtection(services.env.COOKIE_SECURE));
  app.use(requirePasswordChange);
  app.use(ops.routes());
  app.use(opdsShortcut);
  for (const router of apiRouters()) app.use(router.routes()).use(router.allowedMethods());

  const dist = services.env.CLIENT_DIST ?? clientDist;
  if (services.env.SERVE_CLIENT && existsSync(join(dist, "index.html"))) app.use(clientFiles(dist));
  return app;
}

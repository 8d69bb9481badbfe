import { join } from "node:path";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Sequelize } from "sequelize";
import type { Logger } from "pino";
import type { Env } from "./env.js";
import { openDatabase, prepareSqlite } from "./core/db.js";
import { createLogger } from "./core/logger.js";
import { createMetrics } from "./core/metrics.js";
import { createMigrator } from "./core/migrator.js";
import { createBlobStore, type BlobStore } from "./core/blobStore.js";
import { createApp, createMetricsApp } from "./app.js";
import { initOrgModels } from "./org/models/index.js";
import { hasOrganisation } from "./org/services/units.js";
import { initAuditModels } from "./audit/models/auditEvent.js";
import {
  chainPendingAuditEvents,
  checkpointAuditChain,
  onAuditChainError,
  sealAuditChain,
  useAuditAnchor,
} from "./audit/services/auditChain.js";
import { AuditBuffer } from "./audit/services/auditBuffer.js";
import { DenialTally } from "./audit/services/denialTally.js";
import { syncPermissionCatalogue } from "./org/services/bootstrap.js";
import { ensureDefaultProcesses } from "./oa/services/processes.js";
import { seedDemoOrganisation, type DemoAccount } from "./org/services/demoOrganisation.js";
import { purgeExpiredSessions } from "./org/services/sessions.js";
import { limitConcurrentHashes } from "./org/services/passwords.js";
import { purgeExpiredRateLimits } from "./core/rateLimit.js";
import { initArchiveModels } from "./archive/models/index.js";
import { ARCHIVE_COLLECTION, archiveIdsAfter, loadArchiveDocuments } from "./archive/services/records.js";
import { archiveBlobReferences } from "./archive/services/originals.js";
import { oaBlobReferences } from "./oa/services/documentPdf.js";
import type { ReindexSource } from "./search/reindex.js";
import { OutboxDrainer, SearchOutbox } from "./search/outbox.js";
import { openSearch } from "./search/index.js";
import { databaseId, loadAuditAnchor } from "./audit/services/auditAnchor.js";
import type { SearchBackend } from "./search/types.js";
import { initJobModels } from "./jobs/models/index.js";
import { initEngineModels } from "./oa/models/engine.js";
import { initDocumentModels } from "./oa/models/document.js";
import { seedDemoNumberCodes } from "./oa/services/numberCodes.js";
import { deadlinesJob, OA_DEADLINES_EVERY_SECONDS, OA_DEADLINES_JOB } from "./oa/services/deadlines.js";
import { initNotifyModels } from "./notify/models/index.js";
import { initMailboxModels } from "./mailbox/models/index.js";
import { initLibraryModels } from "./library/models/index.js";
import { initStatsModels } from "./stats/models/index.js";
import { onUsageError } from "./stats/services/usage.js";
import { LIBRARY_LENDING_EVERY_SECONDS, LIBRARY_LENDING_JOB, lendingExpiryJob } from "./library/services/lending.js";
import { libraryBlobReferences, libraryReindexSource } from "./library/services/titles.js";
import { LIBRARY_IMPORT_JOB, catalogueImportJob, sweepLibraryUploads } from "./library/services/catalogueImport.js";
import { syncMailDomains } from "./mailbox/services/addresses.js";
import { mailStoreHooks } from "./mailbox/services/smtpHooks.js";
import { loadMailTls } from "./mailbox/services/tls.js";
import { mailBlobReferences, pruneMailStore } from "./mailbox/services/delivery.js";
import { loadMailDocuments, MAIL_COLLECTION, mailIdsAfter, useMailSearchBlobs } from "./mailbox/services/mailSearch.js";
import type { SMTPServer } from "smtp-server";
import { createMx } from "../mail/mx.js";
import { closeSmtp, listenSmtp, trustedNetworks } from "../mail/smtpCommon.js";
import { createSubmission } from "../mail/submission.js";
import { outboundJob } from "./mailbox/services/outbound.js";
import { OUTBOUND_JOB } from "./mailbox/services/sending.js";
import { submissionHooks } from "./mailbox/services/submission.js";
import {
  MAIL_CHANNEL,
  NOTIFY_MAIL_JOB,
  mailNotificationChannel,
  notifyByMailJob,
} from "./mailbox/services/notifyByMail.js";
import { notificationChannels, registerNotificationChannel } from "./notify/services/notifier.js";
import {
  NOTIFY_PRUNE_EVERY_SECONDS,
  NOTIFY_PRUNE_JOB,
  notificationPruneJob,
} from "./notify/services/notificationPruner.js";
import { JobRunner, type JobHandler, type JobServices } from "./jobs/services/runner.js";
import { enqueueJob, pruneJobs, scheduleRecurringJob } from "./jobs/services/queue.js";
import { reindex } from "./search/reindex.js";
import { ARCHIVE_IMPORT_JOB, archiveImportJob, sweepImportUploads } from "./archive/services/importJobs.js";
import { ARCHIVE_INTAKE_JOB, archiveIntakeJob } from "./archive/services/intake.js";

export function initModels(sequelize: Sequelize): void {
  initOrgModels(sequelize);
  initAuditModels(sequelize);
  initArchiveModels(sequelize);
  SearchOutbox.initModel(sequelize);
  initJobModels(sequelize);
  initEngineModels(sequelize);
  initDocumentModels(sequelize);
  initNotifyModels(sequelize);
  initMailboxModels(sequelize);
  initLibraryModels(sequelize);
  initStatsModels(sequelize);
}

const DAY_MS = 24 * 3600_000;
const PRUNE_JOB = "jobs.prune";
const REINDEX_JOB = "search.reindex";

/**
 * Whether some collection is empty in the index while the database has
 * records for it: an index file lost or replaced by a new layout (the embedded
 * index drops one of another version), or a new Elasticsearch cluster.
 */
async function indexIsMissingRecords(search: SearchBackend): Promise<boolean> {
  for (const source of REINDEX_SOURCES) {
    if ((await source.idsAfter(0, 1)).length === 0) continue;
    if ((await search.search({ collection: source.collection, text: "", pageSize: 1 })).total === 0) return true;
  }
  return false;
}

/** Every kind of background job and what runs it; each instance works the whole queue. */
function jobHandlers(deps: JobServices, logger: Logger): Record<string, JobHandler> {
  return {
    ...mailJobHandlers(deps.env, deps.sequelize, deps.blobs, logger),
    [ARCHIVE_IMPORT_JOB]: archiveImportJob(deps),
    [ARCHIVE_INTAKE_JOB]: archiveIntakeJob(deps),
    // A librarian's batch of books and CSV list (services/catalogueImport.ts).
    [LIBRARY_IMPORT_JOB]: catalogueImportJob(deps),
    // Hourly: read notifications go 180 days after reading, unread ones after two years.
    [NOTIFY_PRUNE_JOB]: notificationPruneJob(),
    // Every minute: reminders before a step's deadline, and notices (to supervisors too) once it has passed.
    [OA_DEADLINES_JOB]: deadlinesJob(),
    // Every minute: loans past their due date are returned, copies kept for a hold past its claim window pass on.
    [LIBRARY_LENDING_JOB]: lendingExpiryJob(),
    // The index rebuilt from the database, as npm run search:reindex does, when it has lost what the database holds.
    [REINDEX_JOB]: {
      leaseMs: 300_000,
      run: async (_payload, { logger }) => {
        for (const source of REINDEX_SOURCES) {
          const count = await reindex(deps.search, source);
          logger.info({ collection: source.collection, count }, "search index rebuilt");
        }
      },
    },
    // Hourly: finished jobs are kept a week (failed ones 90 days, for whoever looks into them); uploads
    // that never became a job (cut off by a crash) are removed after a day.
    [PRUNE_JOB]: {
      run: async () => {
        await pruneJobs(7 * DAY_MS, 90 * DAY_MS);
        await sweepImportUploads(deps.env.DATA_DIR, DAY_MS);
        await sweepLibraryUploads(deps.env.DATA_DIR, DAY_MS);
        // Compose uploads are kept 30 days; delivered or bounced outbound rows 30 days (the queue's history);
        // the once-only record of received bytes 7 days.
        await pruneMailStore(30 * DAY_MS, 30 * DAY_MS, 7 * DAY_MS);
      },
    },
  };
}

/** Every collection, as `npm run search:reindex` rebuilds it from the database. */
export const REINDEX_SOURCES: ReindexSource[] = [
  { collection: ARCHIVE_COLLECTION, idsAfter: archiveIdsAfter, load: loadArchiveDocuments },
  { collection: MAIL_COLLECTION, idsAfter: mailIdsAfter, load: loadMailDocuments },
  libraryReindexSource,
];

/** Every collection's documents by id, for the search outbox: the same loaders the reindex uses. */
const SEARCH_LOADERS = Object.fromEntries(REINDEX_SOURCES.map((s) => [s.collection, s.load]));

/** Each module's lookup of the blobs it refers to; a module that keeps files in the blob store adds its own. */
export const BLOB_REFERENCES: ((hashes: readonly string[]) => Promise<ReadonlySet<string>>)[] = [
  archiveBlobReferences,
  oaBlobReferences,
  mailBlobReferences,
  libraryBlobReferences,
];

/** Which of `hashes` anything refers to: what the blob sweep must keep. */
export async function referencedBlobs(hashes: readonly string[]): Promise<Set<string>> {
  const found = await Promise.all(BLOB_REFERENCES.map((lookup) => lookup(hashes)));
  return new Set(found.flatMap((set) => [...set]));
}

/**
 * The search backend the configuration names (server/search/index.ts), named after the database as
 * the audit checkpoints are, so two databases never share an index: two deployments, two test runs.
 */
export const searchConfig = (env: Env) => ({ ...env, namespace: databaseId(env.DATABASE_URL) });

/** The search backend and the drainer that feeds it from the outbox. */
export async function openSearchServices(
  env: Env,
  logger: Logger,
): Promise<{ search: SearchBackend; searchOutbox: OutboxDrainer }> {
  const search = await openSearch(searchConfig(env));
  // The mail loader reads each message's text from its raw source, in this configuration's blob store.
  useMailSearchBlobs(createBlobStore(env));
  return { search, searchOutbox: new OutboxDrainer(search, SEARCH_LOADERS, logger) };
}

/**
 * Connects, migrates, loads the audit key (sealing the chain with it on first
 * start) and keeps the permission catalogue in step; shared by the server and the CLIs.
 */
export async function prepareDatabase(env: Env, logger: Logger): Promise<Sequelize> {
  const sequelize = openDatabase(env.DATABASE_URL, logger);
  await sequelize.authenticate();
  await prepareSqlite(sequelize);
  initModels(sequelize);
  const applied = await createMigrator(sequelize).up();
  if (applied.length) logger.info({ migrations: applied.map((m) => m.name) }, "migrations applied");
  useAuditAnchor(await loadAuditAnchor(env));
  const seal = await sealAuditChain(sequelize);
  if (seal.sealed) logger.info({ chainId: seal.chainId }, "audit chain signed with the audit key");
  onAuditChainError((err) => logger.error({ err }, "chaining audit events failed; they wait for the next run"));
  onUsageError((err, kind) => logger.warn({ err, kind }, "a usage event could not be recorded"));
  // Events of changes that committed just before a crash are chained now.
  const leftover = await chainPendingAuditEvents(sequelize);
  if (leftover) logger.info({ events: leftover }, "audit events left waiting were chained");
  await syncPermissionCatalogue(sequelize);
  await syncMailDomains(env.MAIL_DOMAINS);
  const processes = await ensureDefaultProcesses(sequelize);
  if (processes.length) logger.info({ processes }, "default OA processes created");
  return sequelize;
}

export interface RunningServer {
  url: string;
  port: number;
  sequelize: Sequelize;
  /** The blob store the server reads files from (the importer in tests writes to the same). */
  blobs: BlobStore;
  demoAccounts: DemoAccount[];
  /** Where /metrics is served when METRICS_PORT is set (always on 127.0.0.1). */
  metricsUrl: string | null;
  /** The MX's port (SMTP_PORT, or the one given for 0); null when SMTP_PORT is "off". */
  smtpPort: number | null;
  submissionPort: number | null;
  smtpsPort: number | null;
  /** Writes the audit events still waiting in this instance (buffered page views, anonymous denial counts). */
  flushAudit(): Promise<void>;
  /** Applies the search outbox now (tests and the importer wait for the index this way). */
  drainSearch(): Promise<void>;
  /** The search backend this instance answers from. */
  search: SearchBackend;
  /** This instance's worker of the job queue. */
  jobs: JobRunner;
  close(): Promise<void>;
}

/** The mail listeners of an instance, on the ports they got (null: off). */
export interface MailListeners {
  smtpPort: number | null;
  submissionPort: number | null;
  smtpsPort: number | null;
  close(): Promise<void>;
}

/**
 * The MX (mail/mx.ts) and submission on 587 and 465 (mail/submission.ts)
 * over this database's mail store, each unless its port is "off"; also what
 * `npm run mail` runs on its own.
 */
export async function startMailListeners(
  env: Env,
  sequelize: Sequelize,
  blobs: BlobStore,
  logger: Logger,
): Promise<MailListeners> {
  const ports = { mx: env.SMTP_PORT, submission: env.SUBMISSION_PORT, smtps: env.SMTPS_PORT };
  if (ports.mx === "off" && ports.submission === "off" && ports.smtps === "off")
    return { smtpPort: null, submissionPort: null, smtpsPort: null, close: async () => {} };
  const maxBytes = env.MAIL_MAX_MESSAGE_MB * 1024 * 1024;
  const hostname = env.MAIL_DOMAINS[0] ?? "localhost";
  const defaults = { domain: env.MAIL_DOMAINS[0]!, quotaBytes: env.MAIL_DEFAULT_QUOTA_MB * 1024 * 1024 };
  const tls = await loadMailTls({ ...env, hostname });
  if (tls.source === "self-signed")
    logger.info({ dir: join(env.DATA_DIR, "mail-tls") }, "smtp: self-signed TLS certificate");
  const common = {
    logger,
    tls,
    hostname,
    maxBytes,
    maxConnectionsPerIp: env.SMTP_MAX_CONNECTIONS_PER_IP,
    rate: { perMinute: env.SMTP_MESSAGES_PER_MINUTE, trusted: trustedNetworks(env.SMTP_TRUSTED_NETWORKS) },
  };
  const hooks = submissionHooks({
    sequelize,
    blobs,
    maxBytes,
    defaults,
    mta: hostname,
    loginLimits: {
      perIp: env.LOGIN_LIMIT_PER_IP,
      perAccount: env.LOGIN_LIMIT_PER_ACCOUNT,
      windowSeconds: env.LOGIN_LIMIT_WINDOW_SECONDS,
    },
    hashCost: env.PASSWORD_HASH_MEMORY_KIB,
  });
  const servers: SMTPServer[] = [];
  const listen = async (server: SMTPServer, port: number | "off") => {
    if (port === "off") return null;
    servers.push(server);
    return listenSmtp(server, port, env.HOST);
  };
  const smtpPort =
    ports.mx === "off"
      ? null
      : await listen(
          createMx({
            ...common,
            hooks: mailStoreHooks({
              sequelize,
              blobs,
              maxBytes,
              defaultQuotaBytes: defaults.quotaBytes,
              primaryDomain: defaults.domain,
              mta: hostname,
            }),
          }),
          ports.mx,
        );
  const submissionPort =
    ports.submission === "off"
      ? null
      : await listen(createSubmission({ ...common, hooks, implicitTls: false }), ports.submission);
  const smtpsPort =
    ports.smtps === "off" ? null : await listen(createSubmission({ ...common, hooks, implicitTls: true }), ports.smtps);
  logger.info({ smtpPort, submissionPort, smtpsPort, domains: env.MAIL_DOMAINS }, "mail listening");
  return {
    smtpPort,
    submissionPort,
    smtpsPort,
    close: async () => {
      await Promise.all(servers.map(closeSmtp));
    },
  };
}

/** The mail store's background jobs (remote delivery), run by every instance that works the queue. */
export function mailJobHandlers(
  env: Env,
  sequelize: Sequelize,
  blobs: BlobStore,
  logger: Logger,
): Record<string, JobHandler> {
  const defaults = { domain: env.MAIL_DOMAINS[0]!, quotaBytes: env.MAIL_DEFAULT_QUOTA_MB * 1024 * 1024 };
  return {
    // Notifications by e-mail, to each recipient's personal mailbox (services/notifyByMail.ts).
    [NOTIFY_MAIL_JOB]: notifyByMailJob({ sequelize, blobs, defaults, publicUrl: env.PUBLIC_URL }),
    [OUTBOUND_JOB]: outboundJob({
      sequelize,
      blobs,
      logger,
      config: {
        hostname: env.MAIL_DOMAINS[0] ?? "localhost",
        primaryDomain: env.MAIL_DOMAINS[0]!,
        defaultQuotaBytes: env.MAIL_DEFAULT_QUOTA_MB * 1024 * 1024,
        smarthost: env.MAIL_SMARTHOST,
        routes: env.MAIL_ROUTES,
        retryMs: env.MAIL_RETRY_HOURS * 3600_000,
      },
    }),
  };
}

export async function startServer(env: Env): Promise<RunningServer> {
  const logger = createLogger(env.LOG_LEVEL);
  limitConcurrentHashes(env.PASSWORD_HASH_CONCURRENCY);
  const sequelize = await prepareDatabase(env, logger);
  let demoAccounts: DemoAccount[] = [];
  if (env.SEED_DEMO && !(await hasOrganisation())) {
    demoAccounts = await seedDemoOrganisation(sequelize, env.PASSWORD_HASH_MEMORY_KIB);
    await seedDemoNumberCodes();
  }
  const auditBuffer = new AuditBuffer(sequelize, logger);
  const denials = new DenialTally(auditBuffer);
  const metrics = createMetrics();
  const { search, searchOutbox } = await openSearchServices(env, logger);
  searchOutbox.start();
  void searchOutbox.kick();
  const blobs = createBlobStore(env);
  const jobs = new JobRunner(
    jobHandlers({ env, sequelize, blobs, search, drainSearch: () => searchOutbox.kick() }, logger),
    logger,
    env.JOB_POLL_MS,
  );
  await scheduleRecurringJob(PRUNE_JOB, 3600);
  await scheduleRecurringJob(NOTIFY_PRUNE_JOB, NOTIFY_PRUNE_EVERY_SECONDS);
  await scheduleRecurringJob(OA_DEADLINES_JOB, OA_DEADLINES_EVERY_SECONDS);
  await scheduleRecurringJob(LIBRARY_LENDING_JOB, LIBRARY_LENDING_EVERY_SECONDS);
  // A search backend that does not answer yet (Elasticsearch still starting) must not keep the server down.
  const missing = await indexIsMissingRecords(search).catch((err: unknown) => {
    logger.warn({ err }, "could not check the search index at start");
    return false;
  });
  if (missing) {
    logger.warn("the search index lacks records the database holds: rebuilding it in the background");
    await enqueueJob(REINDEX_JOB, null, { dedupeKey: REINDEX_JOB });
  }
  jobs.start();
  const app = createApp({ env, sequelize, logger, metrics, auditBuffer, denials, search, searchOutbox, blobs });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(env.PORT, env.HOST, () => resolve(s));
  });
  // Loopback only, whatever HOST is: metrics are for the host's own Prometheus agent or sidecar.
  const metricsPort = env.METRICS_PORT;
  const metricsServer: Server | null =
    metricsPort === undefined
      ? null
      : await new Promise((resolve) => {
          const s = createMetricsApp({ metrics }).listen(metricsPort, "127.0.0.1", () => resolve(s));
        });
  const sweeper = setInterval(() => {
    purgeExpiredSessions().catch((err) => logger.warn({ err }, "session purge failed"));
    purgeExpiredRateLimits(sequelize).catch((err) => logger.warn({ err }, "rate limit purge failed"));
  }, 15 * 60_000);
  sweeper.unref();
  const checkpoint = () =>
    checkpointAuditChain().catch((err: unknown) => logger.error({ err }, "audit checkpoint failed"));
  const checkpoints = setInterval(checkpoint, env.AUDIT_CHECKPOINT_SECONDS * 1000);
  checkpoints.unref();
  // Events whose chaining after their commit failed (a passing database error) wait in audit_pending until this.
  const chainer = setInterval(() => {
    chainPendingAuditEvents(sequelize).catch((err: unknown) => logger.error({ err }, "chaining audit events failed"));
  }, 5_000);
  chainer.unref();
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, "web server listening");
  const mail = await startMailListeners(env, sequelize, blobs, logger);
  // Notifications also go by e-mail (one registration per process: tests run several servers in one).
  const unregisterMailChannel = notificationChannels().includes(MAIL_CHANNEL)
    ? () => {}
    : registerNotificationChannel(
        mailNotificationChannel((err) => logger.error({ err }, "notification e-mail could not be queued")),
      );
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    sequelize,
    blobs,
    demoAccounts,
    metricsUrl: metricsServer ? `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics` : null,
    smtpPort: mail.smtpPort,
    submissionPort: mail.submissionPort,
    smtpsPort: mail.smtpsPort,
    drainSearch: () => searchOutbox.kick(),
    search,
    jobs,
    flushAudit: async () => {
      denials.flush();
      await auditBuffer.flush();
      await chainPendingAuditEvents(sequelize);
    },
    close: async () => {
      clearInterval(sweeper);
      clearInterval(chainer);
      clearInterval(checkpoints);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await mail.close();
      unregisterMailChannel();
      await jobs.stop();
      denials.flush();
      await auditBuffer.close();
      await chainPendingAuditEvents(sequelize).catch((err: unknown) =>
        logger.error({ err }, "chaining audit events failed"),
      );
      await checkpoint();
      await searchOutbox.stop();
      await search.close();
      await sequelize.close();
    },
  };
}

import type { RouterContext } from "@koa/router";
import type { SearchBackend } from "../search/types.js";
import type { OutboxDrainer } from "../search/outbox.js";
import type { Sequelize, Transaction } from "sequelize";
import type { Logger } from "pino";
import type { Env } from "../env.js";
import type { Metrics } from "./metrics.js";
import type { BlobStore } from "./blobStore.js";
import type { Actor } from "./actor.js";
import type { Session } from "../org/models/index.js";
import type { AuditEntry } from "../audit/services/auditChain.js";
import type { AuditBuffer } from "../audit/services/auditBuffer.js";
import type { DenialTally } from "../audit/services/denialTally.js";

/** Everything a request handler may reach besides its own input. */
export interface Services {
  env: Env;
  sequelize: Sequelize;
  logger: Logger;
  metrics: Metrics;
  /** Audit events that need no transaction of their own (the 三员's page views), written in batches. */
  auditBuffer: AuditBuffer;
  /** Refusals of callers who are not signed in, counted rather than written one by one. */
  denials: DenialTally;
  /** The full-text index (embedded FTS5 or Elasticsearch), fed from the search outbox. */
  search: SearchBackend;
  /** Drains the search outbox into `search`; kick it after a change commits. */
  searchOutbox: OutboxDrainer;
  /** Files (archive originals, later library books and mail), content-addressed under DATA_DIR/blobs. */
  blobs: BlobStore;
}

export interface AppState {
  actor?: Actor;
  session?: Session;
  /** Set once a domain event for this request reached the audit log. */
  audited?: boolean;
  csrfToken?: string;
}

export interface AppContextExtras {
  services: Services;
  /** Writes an audit event for this request; actor (unless given) and IP are filled in. */
  audit(entry: Omit<AuditEntry, "ip">, transaction?: Transaction): Promise<void>;
}

export type AppContext = RouterContext<AppState, AppContextExtras>;

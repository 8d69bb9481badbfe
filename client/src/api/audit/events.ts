import { buildUrl, http } from "../request";
import type { AdminKind, Page, PageQuery } from "../types";

export type AuditOutcome = "success" | "failure" | "denied";

export interface AuditFilter {
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  /** YYYY-MM-DD (a whole day in Asia/Shanghai) or an ISO instant. */
  from?: string;
  to?: string;
  /** Routine administrator page views: hidden by default in the list. */
  routine?: "exclude" | "include" | "only";
}

/** One changed field; `before` is absent when the event did not record it. */
export interface AuditChange {
  field: string;
  before?: unknown;
  after: unknown;
}

/** Names of the records a page of events mentions, by id. */
export interface AuditRefs {
  /** `adminKind`: the 三员 role the person holds now. */
  users: Record<string, { name: string; username: string; adminKind: AdminKind | null }>;
  units: Record<string, { name: string; code: string }>;
  departments: Record<string, { name: string; unitId: number }>;
  roles: Record<string, { name: string; code: string }>;
  positions: Record<string, { name: string }>;
}

export interface AuditEvent {
  seq: number;
  at: string;
  actorId: number | null;
  actorName: string | null;
  ip: string | null;
  action: string;
  targetType: string | null;
  targetId: string | number | null;
  outcome: AuditOutcome;
  detail: Record<string, unknown> | null;
  routine: boolean;
  changes: AuditChange[];
}

export interface AuditPage extends Page<AuditEvent> {
  refs: AuditRefs;
}

/** What server/audit/services/auditChain.ts verifyAuditChain reports. */
export type AuditChainProblem =
  | "edited"
  | "missing"
  | "broken_link"
  | "truncated"
  | "emptied"
  | "replaced"
  | "unanchored"
  | "forged_checkpoint"
  | "wrong_key";

export interface AuditVerify {
  ok: boolean;
  checked: number;
  /** Signed checkpoints outside the database the log was held against. */
  checkpoints: number;
  problem?: { seq: number; kind: AuditChainProblem; message: string };
}

export const listAuditEvents = (query: AuditFilter & PageQuery) =>
  http.get<AuditPage>("/api/audit/events", { ...query });

/** The CSV is a plain download, so the browser fetches it by navigation with the session cookie. */
export const auditCsvUrl = (filter: AuditFilter) => buildUrl("/api/audit/events.csv", { ...filter });

export const verifyAuditChain = () => http.get<AuditVerify>("/api/audit/verify");

export const listAuditActions = () => http.get<{ items: string[] }>("/api/audit/actions");

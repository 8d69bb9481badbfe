import { buildUrl, http } from "../request";
import type { Page, PageQuery } from "../types";

export type AuditOutcome = "success" | "failure" | "denied";

export interface AuditFilter {
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  from?: string;
  to?: string;
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
  detail: unknown;
}

export interface AuditVerify {
  ok: boolean;
  checked: number;
  /** Signed checkpoints outside the database the log was held against. */
  checkpoints: number;
  problem?: { seq: number; kind: AuditChainProblem; message: string };
}

export const listAuditEvents = (query: AuditFilter & PageQuery) =>
  http.get<Page<AuditEvent>>("/api/audit/events", { ...query });

/** The CSV is a plain download, so the browser fetches it by navigation with the session cookie. */
export const auditCsvUrl = (filter: AuditFilter) => buildUrl("/api/audit/events.csv", { ...filter });

export const verifyAuditChain = () => http.get<AuditVerify>("/api/audit/verify");

export const listAuditActions = () => http.get<{ items: string[] }>("/api/audit/actions");

import { z } from "zod";
import { AUDIT_OUTCOMES } from "../models/auditEvent.js";

export const auditFilters = {
  actor: z.string().trim().max(64).optional(),
  action: z.string().trim().max(64).optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};

export const AuditListSchema = z.object({
  query: z.object({
    ...auditFilters,
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  }),
});

export const AuditExportSchema = z.object({ query: z.object(auditFilters) });

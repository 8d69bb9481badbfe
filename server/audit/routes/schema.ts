import { z } from "zod";
import { plainText } from "../../core/validate.js";
import { AUDIT_OUTCOMES } from "../models/auditEvent.js";

export const auditFilters = {
  actor: plainText().trim().max(64).optional(),
  action: plainText().trim().max(64).optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  // A date (a whole day, Asia/Shanghai) or an instant with its offset.
  from: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
  to: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
  routine: z.enum(["exclude", "include", "only"]).optional(),
};

export const AuditListSchema = z.object({
  query: z.object({
    ...auditFilters,
    // The list hides routine page views unless asked; an export without the parameter holds everything.
    routine: auditFilters.routine.default("exclude"),
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  }),
});

export const AuditExportSchema = z.object({ query: z.object(auditFilters) });

import { z } from "zod";
import { MAILBOX_KINDS } from "../../../models/index.js";
import type {
  MemberAddRequest,
  MemberUpdateRequest,
  QuotaUpdateRequest,
  UnitMailboxCreateRequest,
} from "../../../presenters/adminShapes.js";
import { IdParamSchema, id, pageQuery } from "../fields.js";

export { IdParamSchema };

export const MailboxListSchema = z.object({
  query: z.object({ ...pageQuery, kind: z.enum(MAILBOX_KINDS).optional() }),
});

/** 1 MB at least; 1 TB at most (a typo of three zeros too many is refused, not stored). */
export const QuotaUpdateSchema = IdParamSchema.extend({
  body: z
    .object({
      quotaMb: z
        .number()
        .int()
        .min(1)
        .max(1024 * 1024),
    })
    .strict() satisfies z.ZodType<QuotaUpdateRequest>,
});

export const UnitMailboxCreateSchema = z.object({
  body: z
    .object({
      unitId: id,
      domain: z.string().trim().toLowerCase().min(1).max(253).optional(),
    })
    .strict() satisfies z.ZodType<UnitMailboxCreateRequest>,
});

export const MemberAddSchema = IdParamSchema.extend({
  body: z.object({ userId: id, canSendAs: z.boolean().optional() }).strict() satisfies z.ZodType<MemberAddRequest>,
});

const memberParams = z.object({ id, userId: id });

export const MemberParamSchema = z.object({ params: memberParams });

export const MemberUpdateSchema = z.object({
  params: memberParams,
  body: z.object({ canSendAs: z.boolean() }).strict() satisfies z.ZodType<MemberUpdateRequest>,
});

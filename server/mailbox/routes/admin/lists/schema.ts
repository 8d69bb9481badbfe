import { z } from "zod";
import { nameText } from "../../../../core/validate.js";
import { MAIL_LIST_KINDS, MAIL_LIST_SENDERS } from "../../../models/index.js";
import type { ListCreateRequest, ListMemberAddRequest, ListUpdateRequest } from "../../../presenters/adminShapes.js";
import { IdParamSchema, address, id, pageQuery } from "../fields.js";

export { IdParamSchema };

const name = nameText().trim().min(1).max(200);
const kind = z.enum(MAIL_LIST_KINDS);
const senders = z.enum(MAIL_LIST_SENDERS);

export const ListListSchema = z.object({ query: z.object(pageQuery) });

export const ListCreateSchema = z.object({
  body: z
    .object({
      address,
      name,
      kind,
      unitId: id.nullable().optional(),
      senders,
      members: z.array(address).max(500).optional(),
    })
    .strict() satisfies z.ZodType<ListCreateRequest>,
});

export const ListUpdateSchema = IdParamSchema.extend({
  body: z
    .object({ name, kind, unitId: id.nullable(), senders })
    .partial()
    .strict() satisfies z.ZodType<ListUpdateRequest>,
});

export const ListMemberAddSchema = IdParamSchema.extend({
  body: z.object({ address }).strict() satisfies z.ZodType<ListMemberAddRequest>,
});

export const ListMemberParamSchema = z.object({ params: z.object({ id, mailboxId: id }) });

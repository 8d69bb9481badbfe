import { z } from "zod";
import type { AliasCreateRequest, AliasUpdateRequest } from "../../../presenters/adminShapes.js";
import { IdParamSchema, address, pageQuery } from "../fields.js";

export { IdParamSchema };

export const AliasListSchema = z.object({ query: z.object(pageQuery) });

export const AliasCreateSchema = z.object({
  body: z.object({ address, target: address }).strict() satisfies z.ZodType<AliasCreateRequest>,
});

export const AliasUpdateSchema = IdParamSchema.extend({
  body: z.object({ target: address }).strict() satisfies z.ZodType<AliasUpdateRequest>,
});

import { z } from "zod";
import type { DomainCreateRequest } from "../../../presenters/adminShapes.js";
import { IdParamSchema } from "../fields.js";

export { IdParamSchema };

/** A DNS name of two labels or more (the same rule MAIL_DOMAINS is checked with in env.ts). */
const domain = z
  .string()
  .trim()
  .toLowerCase()
  .transform((v) => v.replace(/\.$/, ""))
  .pipe(z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "a domain name"));

export const DomainCreateSchema = z.object({
  body: z.object({ name: domain }).strict() satisfies z.ZodType<DomainCreateRequest>,
});

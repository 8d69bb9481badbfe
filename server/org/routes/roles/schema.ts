import { z } from "zod";

const id = z.coerce.number().int().positive();
const permissions = z.array(z.string().max(64)).max(200);

export const IdParamSchema = z.object({ params: z.object({ id }) });

export const RoleCreateSchema = z.object({
  body: z.object({
    code: z
      .string()
      .trim()
      .min(2)
      .max(64)
      .regex(/^[a-z][a-z0-9_.-]*$/, "lower-case letters, digits, '.', '_' or '-'"),
    name: z.string().trim().min(1).max(64),
    description: z.string().trim().max(255).nullable().optional(),
    permissions,
  }),
});

export const RoleUpdateSchema = IdParamSchema.extend({
  body: z
    .object({
      name: z.string().trim().min(1).max(64),
      description: z.string().trim().max(255).nullable(),
      permissions,
    })
    .partial(),
});

import { z } from "zod";
import { nameText, plainText } from "../../../core/validate.js";

const id = z.coerce.number().int().positive();
const permissions = z.array(nameText().max(64)).max(200);

export const IdParamSchema = z.object({ params: z.object({ id }) });

export const RoleCreateSchema = z.object({
  body: z.object({
    code: nameText()
      .trim()
      .min(2)
      .max(64)
      .regex(/^[a-z][a-z0-9_.-]*$/, "lower-case letters, digits, '.', '_' or '-'"),
    name: nameText().trim().min(1).max(64),
    description: plainText({ multiline: true }).trim().max(255).nullable().optional(),
    permissions,
  }),
});

export const RoleUpdateSchema = IdParamSchema.extend({
  body: z
    .object({
      name: nameText().trim().min(1).max(64),
      description: plainText({ multiline: true }).trim().max(255).nullable(),
      permissions,
    })
    .partial(),
});

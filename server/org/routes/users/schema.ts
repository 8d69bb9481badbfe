import { z } from "zod";
import { nameText, plainText } from "../../../core/validate.js";

const id = z.coerce.number().int().positive();
const optionalId = z.coerce.number().int().positive().nullable();

export const username = nameText()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "lower-case letters, digits, '.', '_' or '-'");
export const displayName = nameText().trim().min(1).max(64);
export const email = z.email().max(255).nullable();
export const phone = plainText()
  .trim()
  .max(32)
  .regex(/^[0-9+\- ()]*$/, "digits, spaces, + - ( ) only")
  .nullable();

export const IdParamSchema = z.object({ params: z.object({ id }) });

const listQuery = {
  q: plainText().trim().max(64).optional(),
  unitId: id.optional(),
  departmentId: id.optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
};

export const UserListSchema = z.object({
  query: z.object({
    ...listQuery,
    includeSubunits: z
      .enum(["true", "false"])
      .default("true")
      .transform((v) => v === "true"),
    status: z.enum(["active", "disabled", "locked"]).optional(),
    withoutRoles: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true"),
  }),
});

export const DirectorySchema = z.object({ query: z.object(listQuery) });

export const UserCreateSchema = z.object({
  body: z.object({
    username,
    displayName,
    unitId: id,
    departmentId: optionalId.optional(),
    positionId: optionalId.optional(),
    email: email.optional(),
    phone: phone.optional(),
  }),
});

export const UserUpdateSchema = IdParamSchema.extend({
  body: z
    .object({
      displayName,
      unitId: id,
      departmentId: optionalId,
      positionId: optionalId,
      email,
      phone,
      disabled: z.boolean(),
    })
    .partial(),
});

// `file` carries the uploaded file's raw bytes (base64) so the server can tell
// GBK from UTF-8; `csv` is text the person pasted. Exactly one of them.
export const UserImportSchema = z.object({
  body: z
    .object({
      csv: z.string().min(1).max(5_000_000).optional(),
      file: z.base64().min(1).max(6_700_000).optional(),
      commit: z.boolean(),
    })
    .refine((b) => (b.csv === undefined) !== (b.file === undefined), {
      message: "send either csv (text) or file (base64 bytes)",
      path: ["file"],
    }),
});

export const RoleAssignSchema = IdParamSchema.extend({
  body: z.object({ roleId: id, unitId: optionalId.default(null) }),
});

export const RoleUnassignSchema = z.object({ params: z.object({ id, assignmentId: id }) });

import { z } from "zod";
import { nameText } from "../../../core/validate.js";
import { UNIT_KINDS } from "../../models/unit.js";

const id = z.coerce.number().int().positive();
const name = nameText().trim().min(1).max(128);
const code = nameText()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '.', '_' or '-'");
const shortName = nameText().trim().max(32).nullable();

export const IdParamSchema = z.object({ params: z.object({ id }) });

export const UnitCreateSchema = z.object({
  body: z.object({ name, code, shortName: shortName.optional(), kind: z.enum(UNIT_KINDS), parentId: id.nullable() }),
});

export const UnitUpdateSchema = IdParamSchema.extend({
  body: z
    .object({
      name,
      code,
      shortName,
      kind: z.enum(UNIT_KINDS),
      parentId: id.nullable(),
      sortOrder: z.number().int().min(0).max(100_000),
    })
    .partial(),
});

export const DepartmentCreateSchema = z.object({ body: z.object({ unitId: id, name }) });

export const DepartmentUpdateSchema = IdParamSchema.extend({
  body: z.object({ name, unitId: id, sortOrder: z.number().int().min(0).max(100_000) }).partial(),
});

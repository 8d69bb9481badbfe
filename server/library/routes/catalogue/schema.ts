import { z } from "zod";
import { nameText, plainText } from "../../../core/validate.js";
import { LICENCE_MODELS } from "../../models/index.js";

const id = z.coerce.number().int().positive();
/** A 中图法 class of the tree: a letter, digits, and a range's slash (D33/37). */
const classCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{1,2}(\d+(\/\d+)?)?$/, "a class of the 中图法 tree");
/** A form field left empty arrives as ?language= : no filter, not a refusal. */
const optional = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());

export const TitleSearchSchema = z.object({
  query: z.object({
    q: plainText().trim().max(200).default(""),
    classCode: optional(classCode),
    language: optional(nameText().trim().max(16)),
    licence: optional(z.enum(LICENCE_MODELS)),
    sort: z.enum(["relevance", "new", "popular"]).optional(),
    page: z.coerce.number().int().min(1).max(500).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
  }),
});

export const TitleIdSchema = z.object({ params: z.object({ id }) });

/** The cover's version (its hash's start), which the address carries so browsers may keep it. */
export const CoverSchema = TitleIdSchema.extend({
  query: z.object({ v: z.string().max(64).optional() }),
});

/**
 * A class in a path: a range class's slash is written as a hyphen there
 * (D33-37), since an encoded slash is never part of an API path (core/apiPath.ts).
 */
export const ClassCodeSchema = z.object({
  params: z.object({
    code: z
      .string()
      .max(16)
      .transform((c) => c.replace("-", "/"))
      .pipe(classCode),
  }),
});

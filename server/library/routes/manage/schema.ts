import { z } from "zod";
import { LICENCE_MODELS } from "../../models/index.js";
import { TitlePatchSchema } from "../../services/titles.js";

const id = z.coerce.number().int().positive().max(2_147_483_647);

export const TitleIdSchema = z.object({ params: z.object({ id }) });

export const TitleFileIdSchema = z.object({ params: z.object({ id, fileId: id }) });

export const ManagedTitleListSchema = z.object({
  query: z.object({
    q: z.string().trim().max(200).optional(),
    classCode: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{1,2}[0-9./]*$/)
      .max(32)
      .optional(),
    licenceModel: z.enum(LICENCE_MODELS).optional(),
    /** withdrawn=true lists the withdrawn titles instead of the live ones. */
    withdrawn: z
      .enum(["true", "false"])
      .transform((v) => v === "true")
      .optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
  }),
});

/** A change to a title's fields (JSON); `cover: null` removes the cover (the catalogue then shows none). */
export const TitleUpdateSchema = z.object({
  params: z.object({ id }),
  body: TitlePatchSchema.extend({ cover: z.null().optional() }).strict(),
});

export const ImportIdSchema = z.object({ params: z.object({ id }) });

export const ImportListSchema = z.object({
  query: z.object({
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
  }),
});

import { z } from "zod";
import { nameText } from "../../../core/validate.js";
import { OPENNESS } from "../../models/index.js";

export const ImportListSchema = z.object({
  query: z.object({
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
  }),
});

export const ImportIdSchema = z.object({ params: z.object({ id: z.coerce.number().int().positive() }) });

/** The text fields of an upload form (the files themselves are checked as they stream: core/multipart.ts). */
export const ImportUploadFieldsSchema = z.object({
  openness: z.enum(OPENNESS).default("内部"),
  dryRun: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** The name of the folder chosen, shown in the list of runs; by default the folder the files came in. */
  folder: nameText().trim().min(1).max(255).optional(),
});

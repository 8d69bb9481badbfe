import { z } from "zod";
import { plainText } from "../../../core/validate.js";

const id = z.coerce.number().int().positive();

/**
 * How the reader fits a page: to the width, the whole page, or a factor of its
 * printed size between 0.25 and 5 ("1.25"), kept as the reader names it.
 */
export const ReaderZoomSchema = z.union([
  z.enum(["fit-width", "fit-page"]),
  z
    .string()
    .regex(/^\d(\.\d{1,3})?$/, "fit-width, fit-page or a factor such as 1.25")
    .refine((v) => Number(v) >= 0.25 && Number(v) <= 5, "a factor between 0.25 and 5"),
]);

export const TitleParamSchema = z.object({ params: z.object({ id }) });

export const FileContentSchema = z.object({
  params: z.object({ id, fileId: id }),
  query: z.object({
    /** ?download=1: saved as a file rather than shown (open access only). */
    download: z.enum(["0", "1"]).optional(),
  }),
});

export const ReadingGetSchema = z.object({
  params: z.object({ id }),
  query: z.object({ file: id.optional() }),
});

export const ReadingPutSchema = z.object({
  params: z.object({ id }),
  body: z.object({
    fileId: id,
    page: z.number().int().min(1).max(100_000),
    zoom: ReaderZoomSchema,
  }),
});
export type ReadingPutReq = z.infer<typeof ReadingPutSchema>;

export const BookmarkListSchema = z.object({
  params: z.object({ id }),
  query: z.object({ file: id.optional() }),
});

export const BookmarkCreateSchema = z.object({
  params: z.object({ id }),
  body: z.object({
    fileId: id,
    page: z.number().int().min(1).max(100_000),
    label: plainText().trim().max(200).default(""),
  }),
});
export type BookmarkCreateReq = z.infer<typeof BookmarkCreateSchema>;

export const BookmarkParamSchema = z.object({ params: z.object({ id, bookmarkId: id }) });

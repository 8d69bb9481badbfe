import { z } from "zod";
import { plainText } from "../../../core/validate.js";

const id = z.coerce.number().int().positive();
const page = z.coerce.number().int().min(1).max(500).default(1);
/** A class of the 中图法 tree in a path, a range's slash written as a hyphen (as routes/catalogue does: D33-37). */
const classCode = z
  .string()
  .max(16)
  .transform((c) => c.toUpperCase().replace("-", "/"))
  .pipe(z.string().regex(/^[A-Z]{1,2}(\d+(\/\d+)?)?$/, "a class of the 中图法 tree"));

export const OpdsPageSchema = z.object({ query: z.object({ page }) });
export const OpdsClassSchema = z.object({ params: z.object({ code: classCode }) });
export const OpdsClassTitlesSchema = OpdsClassSchema.extend({ query: z.object({ page }) });
/** OpenSearch's {searchTerms}: what the reader typed. */
export const OpdsSearchSchema = z.object({
  query: z.object({ q: plainText().trim().min(1).max(200), page }),
});
export const OpdsBorrowSchema = z.object({ params: z.object({ id }), query: z.object({ file: id }) });

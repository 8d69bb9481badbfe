import { z } from "zod";
import { nameText, plainText } from "../../../core/validate.js";

/** What the mail administration schemas share. */

export const id = z.coerce.number().int().positive();

export const IdParamSchema = z.object({ params: z.object({ id }) });

/** An address as typed: checked for a local domain and a free local part by the service. */
export const address = nameText().trim().toLowerCase().min(3).max(320);

export const pageQuery = {
  q: plainText().trim().max(100).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
};

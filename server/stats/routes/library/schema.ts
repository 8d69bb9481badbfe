import { z } from "zod";

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "YYYY-MM");
/** At most five years in one request: a screen shows a few dozen bars, not hundreds. */
export const MAX_MONTHS = 60;

const span = (from: string, to: string) =>
  (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5)) - Number(from.slice(5)) + 1;

export const LibraryStatsSchema = z.object({
  query: z
    .object({ from: Month, to: Month })
    .refine((q) => q.from <= q.to, { message: "from must not come after to", path: ["to"] })
    .refine((q) => span(q.from, q.to) <= MAX_MONTHS, { message: `at most ${MAX_MONTHS} months`, path: ["to"] }),
});
export type LibraryStatsReq = z.infer<typeof LibraryStatsSchema>;

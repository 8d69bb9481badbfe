import { z } from "zod";

export const ImportListSchema = z.object({
  query: z.object({
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
  }),
});

export const ImportIdSchema = z.object({ params: z.object({ id: z.coerce.number().int().positive() }) });

import { z } from "zod";

export const InboxSchema = z.object({
  params: z.object({ box: z.enum(["todo", "toRead", "done", "drafts", "overdue"]) }),
  query: z.object({
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
  }),
});

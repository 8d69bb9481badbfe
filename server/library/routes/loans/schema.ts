import { z } from "zod";

const id = z.coerce.number().int().positive();
const paging = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
};

export const BorrowSchema = z.object({ body: z.object({ titleId: id }) });
export const LoanIdSchema = z.object({ params: z.object({ id }) });
export const MyLoansSchema = z.object({
  query: z.object({ state: z.enum(["active", "history"]).default("active"), ...paging }),
});
export const AdminLoansSchema = z.object({
  query: z.object({
    overdue: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true"),
    ...paging,
  }),
});

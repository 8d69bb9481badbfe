import { z } from "zod";
import { INTAKE_STATES } from "../../models/index.js";

export const IntakeListSchema = z.object({
  query: z.object({
    state: z.enum(INTAKE_STATES).optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
  }),
});

export const IntakeIdSchema = z.object({ params: z.object({ id: z.coerce.number().int().positive() }) });

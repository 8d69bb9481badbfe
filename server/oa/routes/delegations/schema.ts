import { z } from "zod";

const id = z.coerce.number().int().positive();

export const CreateDelegationSchema = z.object({
  body: z.object({
    toUserId: id,
    startsAt: z.iso.datetime({ offset: true }).transform((v) => new Date(v)),
    endsAt: z.iso.datetime({ offset: true }).transform((v) => new Date(v)),
    reason: z
      .string()
      .trim()
      .max(200)
      .nullable()
      .optional()
      .transform((v) => v || null),
    moveOpenTasks: z.boolean().default(false),
  }),
});

export const DelegationIdSchema = z.object({ params: z.object({ id }) });

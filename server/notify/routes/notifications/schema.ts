import { z } from "zod";

const id = z.coerce.number().int().positive().max(2_147_483_647);

export const NotificationListSchema = z.object({
  query: z.object({
    /** "1" (or "true"): unread only. */
    unread: z
      .enum(["0", "1", "true", "false"])
      .optional()
      .transform((value) => value === "1" || value === "true"),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
  }),
});

export const NotificationIdSchema = z.object({ params: z.object({ id }) });

export const NotificationReadAllSchema = z.object({
  /** The newest notification the person has seen: newer ones stay unread. Without it, all. */
  body: z.object({ upToId: id.optional() }),
});

/** The channels besides the notification centre a person may turn on or off. */
export const CHANNELS = ["email"] as const;

export const ChannelUpdateSchema = z.object({
  params: z.object({ channel: z.enum(CHANNELS) }),
  body: z.object({ enabled: z.boolean() }),
});

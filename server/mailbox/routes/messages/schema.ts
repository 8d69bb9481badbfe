import { z } from "zod";
import { mailboxId, messageId } from "../mailboxes/schema.js";

export const MessageParamSchema = z.object({ params: z.object({ mailboxId, messageId }) });

export const PartParamSchema = z.object({
  params: z.object({
    mailboxId,
    messageId,
    index: z
      .string()
      .regex(/^\d{1,4}$/, "a part number")
      .transform(Number),
  }),
});

export const FrameSchema = z.object({
  query: z.object({
    /** 1: the reader allowed remote images for this message. */
    images: z.enum(["0", "1"]).default("0"),
  }),
});

import { z } from "zod";
import { plainText } from "../../../core/validate.js";

const id = z.coerce.number().int().positive();
const comment = plainText({ multiline: true }).trim().max(2000).nullable().optional();

export const ApproveSchema = z.object({
  params: z.object({ id }),
  body: z
    .object({
      comment,
      chosen: z.array(id).max(200).optional(),
      /** 承办 after 批办: each handler as 主办 (lead) or 协办 (assist), with a deadline of their own. */
      assignments: z
        .array(
          z.object({
            userId: id,
            role: z.enum(["lead", "assist"]).optional(),
            dueAt: z.iso
              .datetime({ offset: true })
              .transform((v) => new Date(v))
              .optional(),
          }),
        )
        .max(200)
        .optional(),
    })
    .default({}),
});

export const ReturnSchema = z.object({
  params: z.object({ id }),
  body: z.object({
    comment: plainText({ multiline: true }).trim().min(1, "say why the document goes back").max(2000),
    to: z.string().min(1).max(64),
  }),
});

export const TransferSchema = z.object({
  params: z.object({ id }),
  body: z.object({ toUserId: id, comment }),
});

export const TaskIdSchema = z.object({ params: z.object({ id }) });

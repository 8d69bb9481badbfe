import { z } from "zod";
import { ComposeFormSchema } from "../../services/compose.js";
import { mailboxId, messageId } from "../mailboxes/schema.js";

const draftId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable().default(null);

export const RecipientSearchSchema = z.object({
  query: z.object({
    q: z.string().trim().min(1).max(100),
    limit: z.coerce.number().int().min(1).max(20).default(8),
  }),
});

export const UploadIdSchema = z.object({ params: z.object({ id: messageId }) });

export const ComposeFromSchema = z.object({
  params: z.object({ mailboxId, messageId }),
  query: z.object({ mode: z.enum(["reply", "replyAll", "forward"]).default("reply") }),
});

export const DraftParamSchema = z.object({ params: z.object({ mailboxId, draftId: messageId }) });

/** Saving a draft or sending: the form, and the draft it was saved as before (replaced, or removed once sent). */
export const ComposeSchema = z.object({
  params: z.object({ mailboxId }),
  body: z.object({ form: ComposeFormSchema, draftId }),
});

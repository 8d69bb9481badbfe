import { z } from "zod";
import { nameText, plainText } from "../../../core/validate.js";
import { calendarDate } from "../../../search/dates.js";

/** Path ids are digits only (no "1e3", no " 7"): one spelling per id. */
const pathId = (max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, "an id")
    .transform(Number)
    .pipe(z.number().int().positive().max(max));
export const mailboxId = pathId(2_147_483_647);
export const folderId = pathId(2_147_483_647);
export const messageId = pathId(Number.MAX_SAFE_INTEGER);
const bodyMessageId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** At most this many messages are changed by one request (a page of the list, selected). */
export const MAX_SELECTION = 500;
const selection = z.array(bodyMessageId).min(1).max(MAX_SELECTION);

/** A user folder's name: one line, no hierarchy separator (IMAP clients read "/" as one). */
const folderName = nameText()
  .trim()
  .min(1)
  .max(100)
  .refine((name) => !/[/\\]/.test(name), { message: "must not contain / or \\" })
  .refine((name) => !/^\.+$/.test(name), { message: "must not be dots only" });

const flag = z
  .enum(["0", "1", "true", "false"])
  .optional()
  .transform((value) => (value === undefined ? undefined : value === "1" || value === "true"));

/** A form field left empty arrives as ?from= : no value, not a refusal. */
const optionalText = (schema: z.ZodType<string>) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());
const searchDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD")
  .refine((d) => calendarDate(d) === d, "a real date");
const words = plainText().trim().max(200);

const page = z.coerce.number().int().min(1).max(10_000).default(1);
const pageSize = z.coerce.number().int().min(1).max(100).default(50);

export const MailboxParamSchema = z.object({ params: z.object({ mailboxId }) });

export const FolderCreateSchema = z.object({
  params: z.object({ mailboxId }),
  body: z.object({ name: folderName }),
});

export const FolderParamSchema = z.object({ params: z.object({ mailboxId, folderId }) });

export const FolderRenameSchema = FolderParamSchema.extend({ body: z.object({ name: folderName }) });

export const MessageListSchema = FolderParamSchema.extend({
  query: z.object({ page, pageSize, unread: flag.transform((v) => v === true) }),
});

export const MailSearchSchema = z.object({
  params: z.object({ mailboxId }),
  query: z
    .object({
      q: optionalText(words),
      subject: optionalText(words),
      body: optionalText(words),
      from: optionalText(plainText().trim().max(320)),
      to: optionalText(plainText().trim().max(320)),
      dateFrom: optionalText(searchDate),
      dateTo: optionalText(searchDate),
      hasAttachments: flag,
      folderId: z.preprocess((v) => (v === "" ? undefined : v), folderId.optional()),
      page,
      pageSize,
    })
    .refine((v) => !v.dateFrom || !v.dateTo || v.dateFrom <= v.dateTo, {
      message: "dateFrom is after dateTo",
      path: ["dateTo"],
    }),
});

export const FlagsSchema = z.object({
  params: z.object({ mailboxId }),
  body: z
    .object({ ids: selection, seen: z.boolean().optional(), flagged: z.boolean().optional() })
    .refine((v) => v.seen !== undefined || v.flagged !== undefined, {
      message: "give seen, flagged or both",
      path: ["seen"],
    }),
});

export const MoveSchema = z.object({
  params: z.object({ mailboxId }),
  body: z.object({ ids: selection, folderId: z.number().int().positive().max(2_147_483_647) }),
});

export const DeleteSchema = z.object({
  params: z.object({ mailboxId }),
  body: z.object({ ids: selection }),
});

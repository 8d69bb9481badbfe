import { z } from "zod";
import { nameText, plainText } from "../../../core/validate.js";
import { DOC_TYPES, URGENCIES } from "../../models/document.js";

const id = z.coerce.number().int().positive();
/** A title or a name: no control, invisible or text-direction characters (they would print into the PDF). */
const line = (max: number) => nameText().trim().min(1).max(max);
const optionalLine = (max: number) =>
  plainText()
    .trim()
    .max(max)
    .nullable()
    .optional()
    .transform((v) => (v ? v : null));
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a date is written YYYY-MM-DD")
  .nullable()
  .optional()
  .transform((v) => v ?? null);
const recipientList = z.array(z.object({ unitId: id.nullable(), name: line(100) })).max(500);
const recipients = recipientList.default([]);
const comment = plainText({ multiline: true }).trim().max(2000).nullable().optional();
const userIds = z.array(id).min(1).max(200);

/** The fields a drafter fills in. 密级 may be sent, to be refused unless empty: the system is non-classified. */
const fields = {
  docType: z.enum(DOC_TYPES),
  title: line(200),
  urgency: z
    .enum(URGENCIES)
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  copyNo: z
    .string()
    .regex(/^\d{6}$/, "份号 has six digits")
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  issuerMark: optionalLine(100),
  mainRecipients: recipients,
  ccRecipients: recipients,
  signatureOrg: optionalLine(100),
  writtenOn: date,
  note: optionalLine(500),
  printedBy: optionalLine(100),
  printedOn: date,
  needsCountersign: z.boolean().default(false),
  bodyHtml: z
    .string()
    .max(8 * 1024 * 1024)
    .default(""),
  secrecy: z.string().max(8).nullable().optional(),
};

export const DocumentIdSchema = z.object({ params: z.object({ id }) });

export const CreateDocumentSchema = z.object({ body: z.object(fields) });

export const UpdateDocumentSchema = z.object({
  params: z.object({ id }),
  body: z
    .object({
      docType: fields.docType.optional(),
      title: fields.title.optional(),
      urgency: z.enum(URGENCIES).nullable().optional(),
      copyNo: z
        .string()
        .regex(/^\d{6}$/, "份号 has six digits")
        .nullable()
        .optional(),
      issuerMark: plainText().trim().max(100).nullable().optional(),
      // Not `recipients.optional()`: zod fills a default in even when the field is optional, and a
      // change to the 正文 alone would empty the 主送 and 抄送.
      mainRecipients: recipientList.optional(),
      ccRecipients: recipientList.optional(),
      signatureOrg: plainText().trim().max(100).nullable().optional(),
      writtenOn: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/)
        .nullable()
        .optional(),
      note: plainText().trim().max(500).nullable().optional(),
      printedBy: plainText().trim().max(100).nullable().optional(),
      printedOn: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/)
        .nullable()
        .optional(),
      needsCountersign: z.boolean().optional(),
      bodyHtml: z
        .string()
        .max(8 * 1024 * 1024)
        .optional(),
      secrecy: z.string().max(8).nullable().optional(),
    })
    .strict(),
});

export const SubmitSchema = z.object({
  params: z.object({ id }),
  body: z.object({ comment, chosen: z.array(id).max(200).optional() }).default({}),
});

export const CommentSchema = z.object({
  params: z.object({ id }),
  body: z.object({ comment }).default({}),
});

export const RequiredCommentSchema = z.object({
  params: z.object({ id }),
  body: z.object({ comment: line(2000) }),
});

export const UrgeSchema = z.object({ params: z.object({ id }), body: z.object({ message: line(500) }) });

export const SignersSchema = z.object({
  params: z.object({ id }),
  body: z
    .object({ add: userIds.optional(), remove: userIds.optional(), comment })
    .refine((b) => Boolean(b.add?.length) !== Boolean(b.remove?.length), "add or remove signers, one at a time"),
});

export const CirculateSchema = z.object({
  params: z.object({ id }),
  body: z.object({ userIds, comment }),
});

export const NumberSchema = z.object({
  params: z.object({ id }),
  body: z.object({ codeId: id, year: z.number().int().min(1949).max(2100).optional() }),
});

export const VoidNumberSchema = z.object({ params: z.object({ id }), body: z.object({ reason: line(200) }) });

export const DiffSchema = z.object({
  params: z.object({ id }),
  query: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }),
});

export const FileSchema = z.object({ params: z.object({ id, fileId: id }) });

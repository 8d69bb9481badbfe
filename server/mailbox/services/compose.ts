import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import type { Sequelize, Transaction } from "sequelize";
import { z } from "zod";
import type { BlobStore } from "../../core/blobStore.js";
import { AppError, badRequest } from "../../core/errors.js";
import { plainText } from "../../core/validate.js";
import type { ComposeMode } from "../presenters/composeShapes.js";
import { Unit, User } from "../../org/models/index.js";
import { MailFolder, MailMessage, MailUpload, type Mailbox } from "../models/index.js";
import { splitAddress } from "./addresses.js";
import { fileMessage, lockMailboxes, storeMessage, type StoredMessage } from "./delivery.js";
import { openPart, openSource, readContent, type MailAddress } from "./reading.js";
import { RecipientProblem, removeDraft, sendStored, type Sent } from "./sending.js";

/**
 * Writing mail in webmail: the form (recipients, subject, text, files) made
 * into a MIME message with nodemailer's composer, kept as a draft in the
 * Drafts folder while it is written, and sent through the same path as
 * submission (sending.ts).
 */

const address = z
  .string()
  .trim()
  .max(320)
  .refine((value) => splitAddress(value) !== null, { message: "not an e-mail address" });

export const ComposeFormSchema = z.object({
  to: z.array(address).max(500).default([]),
  cc: z.array(address).max(500).default([]),
  bcc: z.array(address).max(500).default([]),
  subject: plainText().max(500).default(""),
  text: plainText({ multiline: true }).max(2_000_000).default(""),
  /** Files uploaded for this message (POST /api/mail/uploads). */
  uploads: z.array(z.number().int().positive()).max(100).default([]),
  /** Parts of a message of this mailbox passed on (a forward's attachments). */
  forwardParts: z
    .array(z.object({ messageId: z.number().int().positive(), index: z.number().int().min(0) }))
    .max(100)
    .default([]),
  /** The message of this mailbox answered (its Message-ID goes into In-Reply-To and References). */
  replyTo: z.number().int().positive().nullable().default(null),
});
export type ComposeForm = z.infer<typeof ComposeFormSchema>;

const quote = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line) => `> ${line}`)
    .join("\n");

const listed = (people: readonly MailAddress[]) =>
  people.map((p) => (p.name ? `${p.name} <${p.address}>` : p.address)).join(", ");

/** Subject with one "Re: " / "Fwd: " in front, however many the original had. */
function prefixed(prefix: "Re" | "Fwd", subject: string | null): string {
  const bare = (subject ?? "").replace(/^\s*((re|fw|fwd|回复|答复|转发)\s*[:：]\s*)+/i, "");
  return `${prefix}: ${bare}`;
}

/**
 * The form a reply, reply-all or forward starts from: recipients (reply-all
 * leaves out the mailbox's own address), the subject, and the original quoted
 * below an attribution line; a forward carries the original's files.
 */
export async function startFrom(
  blobs: BlobStore,
  mailbox: Mailbox,
  message: MailMessage,
  mode: ComposeMode,
): Promise<ComposeForm & { attribution: { date: string | null; from: string } }> {
  const content = await readContent(await openSource(blobs, message));
  const own = mailbox.address.toLowerCase();
  const notOwn = (people: readonly MailAddress[]) => people.filter((p) => p.address.toLowerCase() !== own);
  const answerTo = content.replyTo.length ? content.replyTo : content.from;
  const to = mode === "forward" ? [] : mode === "reply" ? answerTo : [...answerTo, ...notOwn(content.to)];
  const cc = mode === "replyAll" ? notOwn(content.cc) : [];
  const unique = (people: readonly MailAddress[]) => [...new Set(people.map((p) => p.address.toLowerCase()))];
  const header =
    mode === "forward"
      ? [
          "-------- 转发的邮件 / Forwarded message --------",
          `From: ${listed(content.from)}`,
          `Date: ${content.date?.toUTCString() ?? ""}`,
          `Subject: ${content.subject ?? ""}`,
          `To: ${listed(content.to)}`,
          ...(content.cc.length ? [`Cc: ${listed(content.cc)}`] : []),
          "",
          content.text ?? "",
        ].join("\n")
      : quote(content.text ?? "");
  return {
    to: unique(to),
    cc: unique(cc).filter((a) => !unique(to).includes(a)),
    bcc: [],
    subject: prefixed(mode === "forward" ? "Fwd" : "Re", content.subject),
    text: `\n\n${header}`,
    uploads: [],
    forwardParts:
      mode === "forward"
        ? content.attachments.filter((a) => !a.inline).map((a) => ({ messageId: message.id, index: a.index }))
        : [],
    replyTo: mode === "forward" ? null : message.id,
    attribution: { date: content.date?.toISOString() ?? null, from: listed(content.from) },
  };
}

/** The name shown with a mailbox's address: its person's or its unit's. */
async function displayNameOf(mailbox: Mailbox): Promise<string> {
  if (mailbox.userId !== null)
    return (await User.findByPk(mailbox.userId, { attributes: ["displayName"] }))?.displayName ?? "";
  if (mailbox.unitId !== null) return (await Unit.findByPk(mailbox.unitId, { attributes: ["name"] }))?.name ?? "";
  return "";
}

/**
 * Builds the message of a form as MIME and stores it (streamed into the blob
 * store). Uploads must be the writer's own; forwarded parts must come from
 * this mailbox's messages. A draft keeps its Bcc header (so it reopens with
 * it); a message to be sent does not.
 */
async function composeAndStore(
  deps: { blobs: BlobStore; maxBytes: number },
  mailbox: Mailbox,
  userId: number,
  form: ComposeForm,
  purpose: "draft" | "send",
): Promise<Pick<StoredMessage, "sha256" | "size" | "summary">> {
  const uploads = form.uploads.length ? await MailUpload.findAll({ where: { id: form.uploads, userId } }) : [];
  if (uploads.length !== new Set(form.uploads).size)
    throw badRequest("mail_upload_missing", "An attached file is no longer there: attach it again");
  const files: { filename: string; contentType: string; content: Readable }[] = [];
  for (const upload of uploads)
    files.push({
      filename: upload.filename,
      contentType: upload.contentType,
      content: await deps.blobs.open(upload.sha256),
    });
  for (const ref of form.forwardParts) {
    const original = await MailMessage.findOne({ where: { id: ref.messageId, mailboxId: mailbox.id } });
    const opened = original ? await openPart(await openSource(deps.blobs, original), ref.index) : null;
    if (!opened) throw badRequest("mail_part_missing", "A forwarded file is no longer there");
    // Copied into the blob store first: the composer reads the files one after another, each when it gets to it.
    const copy = await deps.blobs.put(opened.stream, { maxBytes: deps.maxBytes });
    files.push({
      filename: opened.part.filename ?? `attachment-${ref.index}`,
      contentType: opened.part.contentType,
      content: await deps.blobs.open(copy.sha256),
    });
  }
  let threading: { inReplyTo?: string; references?: string[] } = {};
  if (form.replyTo !== null) {
    const original = await MailMessage.findOne({ where: { id: form.replyTo, mailboxId: mailbox.id } });
    if (!original) throw badRequest("mail_reply_missing", "The message answered is no longer in this mailbox");
    if (original.messageId) {
      const earlier = original.inReplyTo ? original.inReplyTo.split(" ").reverse() : [];
      threading = { inReplyTo: original.messageId, references: [...earlier.slice(-20), original.messageId] };
    }
  }
  const domain = splitAddress(mailbox.address)?.domain ?? "localhost";
  const composer = new MailComposer({
    from: { name: await displayNameOf(mailbox), address: mailbox.address },
    to: form.to,
    cc: form.cc,
    bcc: form.bcc,
    subject: form.subject,
    text: form.text,
    attachments: files,
    messageId: `<${randomUUID()}@${domain}>`,
    date: new Date(),
    ...threading,
    headers: { "X-Mailer": "Yong Office webmail" },
  });
  const root = composer.compile();
  root.keepBcc = purpose === "draft";
  try {
    return await storeMessage(deps.blobs, root.createReadStream(), deps.maxBytes);
  } catch (error) {
    if (error instanceof Error && (error as { code?: string }).code === "blob_too_large")
      throw new AppError(413, "mail_too_large", `The message is larger than ${Math.round(deps.maxBytes / 1048576)} MB`);
    throw error;
  }
}

function refuseWhenFull(mailbox: Mailbox): void {
  if (mailbox.usedBytes >= mailbox.quotaBytes)
    throw new AppError(409, "mailbox_full", "This mailbox is full: delete some mail (and empty the Trash) first");
}

/** Saves a draft, replacing the one it was saved as before. Answers the new draft's id. */
export async function saveDraft(
  deps: { sequelize: Sequelize; blobs: BlobStore; maxBytes: number },
  mailbox: Mailbox,
  userId: number,
  form: ComposeForm,
  previousId: number | null,
): Promise<MailMessage> {
  refuseWhenFull(mailbox);
  const stored = await composeAndStore(deps, mailbox, userId, form, "draft");
  return deps.sequelize.transaction(async (t) => {
    await lockMailboxes([mailbox.id], t);
    if (previousId !== null) await removeDraft(mailbox.id, previousId, t);
    return fileMessage({ ...stored, trace: null, receivedAt: new Date() }, mailbox.id, "drafts", t, {
      seen: true,
      draft: JSON.stringify(form),
    });
  });
}

/** A draft of this mailbox with its form, or null. */
export async function findDraft(mailboxId: number, draftId: number, t?: Transaction) {
  const folder = await MailFolder.findOne({ where: { mailboxId, role: "drafts" }, transaction: t });
  if (!folder) return null;
  const draft = await MailMessage.findOne({ where: { id: draftId, folderId: folder.id }, transaction: t });
  if (!draft?.draft) return null;
  return { draft, form: ComposeFormSchema.parse(JSON.parse(draft.draft)) };
}

/**
 * Sends a form from a mailbox: composed, stored, delivered and queued (one
 * transaction, see sendStored); the draft it was written in goes, the
 * message answered is marked answered, and the uploads are let go.
 */
export async function sendForm(
  deps: { sequelize: Sequelize; blobs: BlobStore; maxBytes: number; defaults: { domain: string; quotaBytes: number } },
  mailbox: Mailbox,
  userId: number,
  form: ComposeForm,
  draftId: number | null,
  within?: (sent: Sent, t: Transaction) => Promise<void>,
): Promise<Sent> {
  const recipients = [...form.to, ...form.cc, ...form.bcc];
  if (!recipients.length) throw badRequest("mail_no_recipients", "Add at least one recipient");
  refuseWhenFull(mailbox);
  const stored = await composeAndStore(deps, mailbox, userId, form, "send");
  try {
    const sent = await sendStored(
      deps.sequelize,
      {
        from: mailbox,
        envelopeFrom: mailbox.address,
        recipients,
        message: { ...stored, trace: null, receivedAt: new Date() },
        keepCopy: true,
        ...(draftId !== null ? { draftId } : {}),
        ...(within ? { within } : {}),
      },
      deps.defaults,
    );
    if (form.replyTo !== null)
      await MailMessage.update({ answered: true }, { where: { id: form.replyTo, mailboxId: mailbox.id } });
    if (form.uploads.length) await MailUpload.destroy({ where: { id: form.uploads, userId } });
    return sent;
  } catch (error) {
    if (error instanceof RecipientProblem) {
      const details = { address: error.address };
      if (error.problem === "unknown")
        throw new AppError(422, "mail_recipient_unknown", `There is no mailbox ${error.address}`, details);
      if (error.problem === "refused")
        throw new AppError(422, "mail_recipient_refused", `You may not send to the list ${error.address}`, details);
      throw new AppError(422, "mail_recipient_full", `The mailbox ${error.address} is full`, details);
    }
    throw error;
  }
}

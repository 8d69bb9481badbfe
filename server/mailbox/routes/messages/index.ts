import Router from "@koa/router";
import { BlobNotFoundError } from "../../../core/blobStore.js";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { notFound } from "../../../core/errors.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { MailFolder, type MailMessage } from "../../models/index.js";
import { mailboxPolicy } from "../../policies/mailbox.js";
import { INLINE_IMAGE_TYPES, presentMessage } from "../../presenters/message.js";
import type { MessageBody, MessageSourceBody } from "../../presenters/readShapes.js";
import { findMessageOr404, openMailboxOr404, setFlags, threadOf } from "../../services/messages.js";
import { openPart, openSource, readContent, sourcePreview, type MessageContent } from "../../services/reading.js";
import { FrameSchema, MessageParamSchema, PartParamSchema } from "./schema.js";

/**
 * One message of a mailbox the caller can open (404 otherwise, as for the
 * mailboxes router): read, its parts downloaded, its raw source. The HTML
 * of a message is only ever sent inside JSON: nothing here answers with a
 * message's HTML as text/html, so none of it can run at this origin.
 */

/** What a file download always carries: the browser neither sniffs nor runs it at this address. */
function downloadHeaders(ctx: AppContext, type: string, fileName: string, inline: boolean): void {
  ctx.set("Content-Type", type);
  ctx.attachment(fileName, { type: inline ? "inline" : "attachment" });
  ctx.set("X-Content-Type-Options", "nosniff");
  ctx.set("Content-Security-Policy", "sandbox; default-src 'none'");
  // Private mail: kept by no shared cache, and asked for again once the reader's rights may have changed.
  ctx.set("Cache-Control", "private, no-cache, no-transform");
}

/** A file name from a subject, safe on every system: no separators, no control characters, not too long. */
function emlName(message: MailMessage): string {
  const base = (message.subject ?? "")
    // eslint-disable-next-line no-control-regex -- control characters are what is removed
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, " ")
    .trim()
    .slice(0, 100);
  return `${base || `message-${message.id}`}.eml`;
}

async function loadSource(ctx: AppContext, message: MailMessage): Promise<MessageSourceBody> {
  return { ...(await sourcePreview(await openSource(ctx.services.blobs, message))), size: message.size };
}

/** The message's raw source is not in the blob store: logged for the administrators, 404 for the reader. */
function missingBlob(ctx: AppContext, message: MailMessage): never {
  ctx.services.logger.error({ sha256: message.sha256, messageId: message.id }, "a message's raw source is missing");
  throw notFound("File");
}

export function mailMessagesRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/mail", sensitive: true, strict: true });

  /** The message, once the caller is known to hold its mailbox. */
  async function messageOf(ctx: AppContext, params: { mailboxId: number; messageId: number }) {
    const actor = actorOf(ctx);
    await openMailboxOr404(actor, params.mailboxId);
    return findMessageOr404(params.mailboxId, params.messageId);
  }

  // Reading marks the message seen, as every mail client does; not audited (see the mailboxes router).
  router.get("/mailboxes/:mailboxId/messages/:messageId", async (ctx: AppContext) => {
    authorize(mailboxPolicy.use(actorOf(ctx)), "use mail");
    const { params } = parseRequest(ctx, MessageParamSchema);
    const message = await messageOf(ctx, params);
    let content: MessageContent | null = null;
    let parseError = message.parseError;
    if (!parseError) {
      try {
        content = await readContent(await openSource(ctx.services.blobs, message));
      } catch (error) {
        if (error instanceof BlobNotFoundError) missingBlob(ctx, message);
        parseError = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      }
    }
    const source = parseError ? await loadSource(ctx, message).catch(() => missingBlob(ctx, message)) : null;
    if (!message.seen) {
      await setFlags(message.mailboxId, [message.id], { seen: true });
      message.seen = true;
    }
    const [folder, thread] = await Promise.all([MailFolder.findByPk(message.folderId), threadOf(message)]);
    if (!folder) throw notFound("Message");
    ctx.body = presentMessage(message, { folder, content, parseError, source, thread }) satisfies MessageBody;
  });

  // The beginning of the raw source as text, for the reading pane's "source" view.
  router.get("/mailboxes/:mailboxId/messages/:messageId/source", async (ctx: AppContext) => {
    authorize(mailboxPolicy.use(actorOf(ctx)), "use mail");
    const { params } = parseRequest(ctx, MessageParamSchema);
    const message = await messageOf(ctx, params);
    ctx.body = (await loadSource(ctx, message).catch((error: unknown) => {
      if (error instanceof BlobNotFoundError) missingBlob(ctx, message);
      throw error;
    })) satisfies MessageSourceBody;
  });

  // The whole raw source as an .eml file (trace headers on top, as it was received).
  router.get("/mailboxes/:mailboxId/messages/:messageId/raw", async (ctx: AppContext) => {
    authorize(mailboxPolicy.use(actorOf(ctx)), "use mail");
    const { params } = parseRequest(ctx, MessageParamSchema);
    const message = await messageOf(ctx, params);
    if (!(await ctx.services.blobs.has(message.sha256))) missingBlob(ctx, message);
    downloadHeaders(ctx, "message/rfc822", emlName(message), false);
    ctx.length = message.size + Buffer.byteLength(message.traceHeaders ?? "", "utf8");
    ctx.body = await openSource(ctx.services.blobs, message);
  });

  // A part as a file to save, whatever its type.
  router.get("/mailboxes/:mailboxId/messages/:messageId/attachments/:index", async (ctx: AppContext) => {
    authorize(mailboxPolicy.use(actorOf(ctx)), "use mail");
    const { params } = parseRequest(ctx, PartParamSchema);
    const message = await messageOf(ctx, params);
    if (message.parseError) throw notFound("Attachment");
    const opened = await openPart(await openSource(ctx.services.blobs, message), params.index).catch(
      (error: unknown) => {
        if (error instanceof BlobNotFoundError) missingBlob(ctx, message);
        throw notFound("Attachment");
      },
    );
    if (!opened) throw notFound("Attachment");
    const { part, stream } = opened;
    downloadHeaders(ctx, part.contentType, part.filename ?? `attachment-${part.index + 1}`, false);
    ctx.body = stream;
  });

  // An image the HTML shows (cid:), for the reading pane's frame: raster images only, never SVG or HTML.
  router.get("/mailboxes/:mailboxId/messages/:messageId/inline/:index", async (ctx: AppContext) => {
    authorize(mailboxPolicy.use(actorOf(ctx)), "use mail");
    const { params } = parseRequest(ctx, PartParamSchema);
    const message = await messageOf(ctx, params);
    if (message.parseError) throw notFound("Attachment");
    const opened = await openPart(await openSource(ctx.services.blobs, message), params.index).catch(
      (error: unknown) => {
        if (error instanceof BlobNotFoundError) missingBlob(ctx, message);
        throw notFound("Attachment");
      },
    );
    if (!opened || !INLINE_IMAGE_TYPES.has(opened.part.contentType)) {
      opened?.stream.destroy();
      throw notFound("Attachment");
    }
    downloadHeaders(ctx, opened.part.contentType, opened.part.filename ?? `image-${opened.part.index + 1}`, true);
    ctx.body = opened.stream;
  });

  /**
   * The empty document the reading pane's frame loads, and then fills with
   * the sanitised HTML of a message. It carries its own policy, because a
   * srcdoc frame would inherit the SPA's (img-src 'self'), under which remote
   * images could never be shown even once allowed: nothing runs (no script
   * source at all, and the frame is sandboxed without allow-scripts), nothing
   * is fetched but images from here or data: URLs — and from anywhere once
   * the reader asked for remote images (images=1) — and inline styles.
   */
  router.get("/frame", async (ctx: AppContext) => {
    authorize(mailboxPolicy.use(actorOf(ctx)), "use mail");
    const { query } = parseRequest(ctx, FrameSchema);
    const images = query.images === "1" ? " http: https:" : "";
    const policy = `default-src 'none'; img-src 'self' data:${images}; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'`;
    ctx.set("Content-Security-Policy", policy);
    // The SPA's own pages may not be framed (DENY); this one is made to be, by the SPA only.
    ctx.set("X-Frame-Options", "SAMEORIGIN");
    ctx.set("Cache-Control", "no-store");
    ctx.type = "text/html; charset=utf-8";
    ctx.body = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${policy}"><meta name="referrer" content="no-referrer"></head><body></body></html>`;
  });

  return router;
}

import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import Router from "@koa/router";
import type { Transaction } from "sequelize";
import type { Actor } from "../../../core/actor.js";
import { sendBlob } from "../../../core/blobResponse.js";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { badRequest, notFound } from "../../../core/errors.js";
import { receiveUpload, type UploadedFile } from "../../../core/multipart.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { Unit } from "../../../org/models/index.js";
import { workflowTransaction } from "../../engine/engine.js";
import { Attachment, DocumentRevision, NumberLog, OaDocument } from "../../models/document.js";
import { documentPolicy } from "../../policies/document.js";
import { presentAttachment, presentDocumentView } from "../../presenters/document.js";
import type { DiffPartBody, DocumentNumberBody } from "../../presenters/shapes.js";
import { diffBodies } from "../../services/documentBody.js";
import { renderDocumentPdf } from "../../services/documentPdf.js";
import {
  changeSigners,
  circulate,
  createOutgoing,
  mayEdit,
  sendBack,
  submitDocument,
  terminateDocument,
  updateDocument,
  urgeDocument,
  withdrawDocument,
} from "../../services/documents.js";
import { loadDocumentView } from "../../services/documentView.js";
import { assignNumber, voidNumber } from "../../services/numbering.js";
import {
  CirculateSchema,
  CommentSchema,
  CreateDocumentSchema,
  DiffSchema,
  DocumentIdSchema,
  FileSchema,
  NumberSchema,
  RequiredCommentSchema,
  SignersSchema,
  SubmitSchema,
  UpdateDocumentSchema,
  UrgeSchema,
  VoidNumberSchema,
} from "./schema.js";

const MB = 1024 * 1024;

/**
 * The document (with its unit) when the actor may read it. A document they
 * may not read answers 404, as one that does not exist: its title is not
 * confirmed to outsiders.
 */
async function readable(actor: Actor, id: number, t?: Transaction): Promise<{ doc: OaDocument; unit: Unit }> {
  const doc = await OaDocument.findByPk(id, { transaction: t });
  const unit = doc ? await Unit.findByPk(doc.unitId, { transaction: t }) : null;
  if (!doc || !unit || !(await documentPolicy.read(actor, doc, unit, t))) throw notFound("Document");
  return { doc, unit };
}

async function answerView(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  const { doc, unit } = await readable(actor, id);
  ctx.body = presentDocumentView(await loadDocumentView(doc, unit, actor));
}

/** 公文: drafting, the page of one document and every operation on it. */
export function oaDocumentsRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/oa", sensitive: true, strict: true });

  // Before any body is read: someone who may not see the document learns nothing more than 404.
  router.param("id", async (_id: string, ctx: AppContext, next) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "use the OA");
    const { params } = parseRequest(ctx, DocumentIdSchema);
    await readable(actor, params.id);
    await next();
  });

  router.post("/documents", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "draft documents");
    const { body } = parseRequest(ctx, CreateDocumentSchema);
    const doc = await ctx.services.sequelize.transaction(async (t) => {
      const created = await createOutgoing(actor, body, t);
      await ctx.audit(
        {
          action: "oa.document.create",
          outcome: "success",
          targetType: "oa_document",
          targetId: created.id,
          detail: { title: created.title, docType: created.docType },
        },
        t,
      );
      return created;
    });
    ctx.status = 201;
    await answerView(ctx, actor, doc.id);
  });

  router.get("/documents/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "read documents");
    const { params } = parseRequest(ctx, DocumentIdSchema);
    await answerView(ctx, actor, params.id);
  });

  router.patch("/documents/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "change documents");
    const { params, body } = parseRequest(ctx, UpdateDocumentSchema);
    await workflowTransaction(ctx.services.sequelize, async (t) => {
      const { doc } = await readable(actor, params.id, t);
      const before = doc.bodyRevision;
      await updateDocument(doc, actor, body, t);
      await ctx.audit(
        {
          action: "oa.document.update",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: {
            title: doc.title,
            fields: Object.keys(body),
            revision: doc.bodyRevision !== before ? doc.bodyRevision : null,
          },
        },
        t,
      );
    });
    await answerView(ctx, actor, params.id);
  });

  router.post("/documents/:id/submit", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "submit documents");
    const { params, body } = parseRequest(ctx, SubmitSchema);
    await workflowTransaction(ctx.services.sequelize, async (t) => {
      const { doc } = await readable(actor, params.id, t);
      await submitDocument(doc, actor, body, { blobs: ctx.services.blobs }, t);
      await ctx.audit(
        {
          action: "oa.document.submit",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: { title: doc.title },
        },
        t,
      );
    });
    await answerView(ctx, actor, params.id);
  });

  router.post("/documents/:id/withdraw", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "withdraw documents");
    const { params, body } = parseRequest(ctx, CommentSchema);
    await workflowTransaction(ctx.services.sequelize, async (t) => {
      const { doc } = await readable(actor, params.id, t);
      await withdrawDocument(doc, actor, body.comment ?? null, t);
      await ctx.audit(
        {
          action: "oa.document.withdraw",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: { title: doc.title },
        },
        t,
      );
    });
    await answerView(ctx, actor, params.id);
  });

  router.post("/documents/:id/signers", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "change the signers of a 会签");
    const { params, body } = parseRequest(ctx, SignersSchema);
    await workflowTransaction(ctx.services.sequelize, async (t) => {
      const { doc, unit } = await readable(actor, params.id, t);
      const view = await loadDocumentView(doc, unit, actor, t);
      authorize(view.abilities.changeSigners === true, "change the signers of this 会签");
      await changeSigners(
        doc,
        actor,
        { add: body.add, remove: body.remove, comment: body.comment ?? null },
        { blobs: ctx.services.blobs },
        t,
      );
      await ctx.audit(
        {
          action: "oa.document.signers",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: { title: doc.title, added: body.add ?? [], removed: body.remove ?? [] },
        },
        t,
      );
    });
    await answerView(ctx, actor, params.id);
  });

  router.post("/documents/:id/urge", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "urge documents");
    const { params, body } = parseRequest(ctx, UrgeSchema);
    const told = await workflowTransaction(ctx.services.sequelize, async (t) => {
      const { doc, unit } = await readable(actor, params.id, t);
      const mayUrge =
        doc.drafterId === actor.id || documentPolicy.register(actor, unit) || documentPolicy.supervise(actor, unit);
      authorize(mayUrge, "urge this document");
      const count = await urgeDocument(doc, actor, body.message, t);
      await ctx.audit(
        {
          action: "oa.document.urge",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: { title: doc.title, count },
        },
        t,
      );
      return count;
    });
    ctx.body = { urged: told };
  });

  router.post("/documents/:id/terminate", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "terminate processes");
    const { params, body } = parseRequest(ctx, RequiredCommentSchema);
    await workflowTransaction(ctx.services.sequelize, async (t) => {
      const { doc, unit } = await readable(actor, params.id, t);
      authorize(documentPolicy.terminate(actor, unit), "terminate this document's process");
      await terminateDocument(doc, actor, body.comment, t);
      await ctx.audit(
        {
          action: "oa.document.terminate",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: { title: doc.title, reason: body.comment },
        },
        t,
      );
    });
    await answerView(ctx, actor, params.id);
  });

  router.post("/documents/:id/send-back", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "send documents back");
    const { params, body } = parseRequest(ctx, RequiredCommentSchema);
    await workflowTransaction(ctx.services.sequelize, async (t) => {
      const { doc } = await readable(actor, params.id, t);
      await sendBack(doc, actor, body.comment, t);
      await ctx.audit(
        {
          action: "oa.document.send_back",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: { title: doc.title, reason: body.comment },
        },
        t,
      );
    });
    await answerView(ctx, actor, params.id);
  });

  router.post("/documents/:id/circulate", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "circulate documents");
    const { params, body } = parseRequest(ctx, CirculateSchema);
    await workflowTransaction(ctx.services.sequelize, async (t) => {
      const { doc, unit } = await readable(actor, params.id, t);
      const view = await loadDocumentView(doc, unit, actor, t);
      authorize(view.abilities.circulate === true, "circulate this document");
      const count = await circulate(doc, actor, { userIds: body.userIds, comment: body.comment ?? null }, t);
      await ctx.audit(
        {
          action: "oa.document.circulate",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: { title: doc.title, count },
        },
        t,
      );
    });
    await answerView(ctx, actor, params.id);
  });

  router.post("/documents/:id/number", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "number documents");
    const { params, body } = parseRequest(ctx, NumberSchema);
    await workflowTransaction(ctx.services.sequelize, async (t) => {
      const { doc, unit } = await readable(actor, params.id, t);
      authorize(documentPolicy.register(actor, unit), "number this unit's documents");
      const view = await loadDocumentView(doc, unit, actor, t);
      authorize(view.abilities.number === true || Boolean(doc.docNumber), "number this document now");
      const year = body.year ?? new Date().getFullYear();
      const entry = await assignNumber({ document: doc, codeId: body.codeId, year, actorId: actor.id }, t);
      await ctx.audit(
        {
          action: "oa.document.number",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: { title: doc.title, docNumber: entry.docNumber },
        },
        t,
      );
    });
    await answerView(ctx, actor, params.id);
  });

  router.post("/documents/:id/void-number", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "void document numbers");
    const { params, body } = parseRequest(ctx, VoidNumberSchema);
    await workflowTransaction(ctx.services.sequelize, async (t) => {
      const { doc, unit } = await readable(actor, params.id, t);
      const view = await loadDocumentView(doc, unit, actor, t);
      authorize(view.abilities.voidNumber === true, "void this document's number");
      const entry = await voidNumber({ document: doc, reason: body.reason, actorId: actor.id }, t);
      await ctx.audit(
        {
          action: "oa.document.number_void",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: { title: doc.title, docNumber: entry.docNumber, reason: body.reason },
        },
        t,
      );
    });
    await answerView(ctx, actor, params.id);
  });

  router.get("/documents/:id/numbers", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "see document numbers");
    const { params } = parseRequest(ctx, DocumentIdSchema);
    await readable(actor, params.id);
    const rows = await NumberLog.findAll({ where: { documentId: params.id }, order: [["id", "ASC"]] });
    ctx.body = {
      items: rows.map((r): DocumentNumberBody => ({
        docNumber: r.docNumber,
        status: r.status,
        reason: r.reason,
        at: r.createdAt.toISOString(),
      })),
    };
  });

  router.get("/documents/:id/revisions/diff", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "compare revisions");
    const { params, query } = parseRequest(ctx, DiffSchema);
    await readable(actor, params.id);
    const rows = await DocumentRevision.findAll({ where: { documentId: params.id, revision: [query.from, query.to] } });
    const from = rows.find((r) => r.revision === query.from);
    const to = rows.find((r) => r.revision === query.to);
    if (!from || !to) throw notFound("Revision");
    const parts: DiffPartBody[] = diffBodies(from.bodyHtml, to.bodyHtml);
    ctx.body = { from: query.from, to: query.to, parts };
  });

  router.post("/documents/:id/pdf", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "render documents");
    const { params } = parseRequest(ctx, DocumentIdSchema);
    await workflowTransaction(ctx.services.sequelize, async (t) => {
      const { doc, unit } = await readable(actor, params.id, t);
      authorize(documentPolicy.register(actor, unit), "render this unit's documents");
      const file = await renderDocumentPdf(doc, ctx.services.blobs, t);
      await ctx.audit(
        {
          action: "oa.document.render",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: { title: doc.title, file: file.name },
        },
        t,
      );
    });
    await answerView(ctx, actor, params.id);
  });

  router.get("/documents/:id/pdf", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "read documents");
    const { params } = parseRequest(ctx, DocumentIdSchema);
    const { doc } = await readable(actor, params.id);
    const file = doc.pdfSha256
      ? await Attachment.findOne({
          where: { documentId: doc.id, kind: "pdf", sha256: doc.pdfSha256 },
          order: [["id", "DESC"]],
        })
      : null;
    if (!file) throw notFound("PDF");
    await sendBlob(ctx, ctx.services.blobs, {
      sha256: file.sha256,
      type: "application/pdf",
      fileName: file.name,
      inline: true,
    });
  });

  router.post("/documents/:id/attachments", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "attach files");
    const { params } = parseRequest(ctx, DocumentIdSchema);
    const { doc } = await readable(actor, params.id);
    authorize(await mayEdit(doc, actor.id), "attach files to this document now");
    const { env, blobs } = ctx.services;
    const dir = join(env.DATA_DIR, "uploads", "oa", randomUUID());
    try {
      const upload = await receiveUpload(
        ctx,
        dir,
        { maxFileBytes: 200 * MB, maxTotalBytes: 500 * MB, maxFiles: 50 },
        (field, name) => (field === "files" ? `${randomUUID()}-${name.split("/").pop()}` : null),
      );
      if (!upload.files.length) throw badRequest("attachment_missing", "Choose at least one file to attach");
      const stored: { file: UploadedFile; blob: { sha256: string; size: number } }[] = [];
      for (const file of upload.files) {
        stored.push({ file, blob: await blobs.put(join(dir, file.path)) });
      }
      const created = await workflowTransaction(ctx.services.sequelize, async (t) => {
        const again = await OaDocument.findByPk(doc.id, { transaction: t });
        if (!again || !(await mayEdit(again, actor.id, t))) authorize(false, "attach files to this document now");
        const rows = [];
        for (const { file, blob } of stored) {
          rows.push(
            await Attachment.create(
              {
                documentId: doc.id,
                kind: "attachment",
                name: file.name.split("/").pop() ?? file.name,
                sha256: blob.sha256,
                size: blob.size,
                mime: mimeOf(file.name),
                uploadedById: actor.id,
              },
              { transaction: t },
            ),
          );
        }
        await ctx.audit(
          {
            action: "oa.attachment.upload",
            outcome: "success",
            targetType: "oa_document",
            targetId: doc.id,
            detail: { title: doc.title, files: rows.map((r) => r.name) },
          },
          t,
        );
        return rows;
      });
      ctx.status = 201;
      ctx.body = { items: created.map(presentAttachment) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  router.get("/documents/:id/files/:fileId", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "read documents");
    const { params } = parseRequest(ctx, FileSchema);
    const { doc } = await readable(actor, params.id);
    const file = await Attachment.findOne({ where: { id: params.fileId, documentId: doc.id } });
    if (!file) throw notFound("File");
    await sendBlob(ctx, ctx.services.blobs, {
      sha256: file.sha256,
      type: file.mime,
      fileName: file.name,
      inline: file.mime === "application/pdf",
    });
  });

  return router;
}

const MIME: Record<string, string> = {
  pdf: "application/pdf",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ppt: "application/vnd.ms-powerpoint",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  ofd: "application/ofd",
  txt: "text/plain",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  zip: "application/zip",
};

/** A download type from the extension; anything unknown downloads as bytes (never rendered as HTML). */
function mimeOf(name: string): string {
  return MIME[name.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";
}

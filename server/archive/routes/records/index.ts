import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { badRequest, notFound } from "../../../core/errors.js";
import { parseRequest } from "../../../core/validate.js";
import type { Actor } from "../../../core/actor.js";
import type { ArchiveRecord } from "../../models/index.js";
import { recordPolicy } from "../../policies/record.js";
import { presentHit, presentRecord, presentSuggestion } from "../../presenters/record.js";
import {
  findRecordOr404,
  linkRecords,
  relatedRecords,
  searchRecords,
  suggestRecords,
  updateRecord,
} from "../../services/records.js";
import { findRecordFileOr404, originalOf } from "../../services/originals.js";
import { sendBlob } from "../../../core/blobResponse.js";
import {
  ArchiveSearchSchema,
  ArchiveSuggestSchema,
  IdParamSchema,
  RecordLinkSchema,
  RecordUpdateSchema,
} from "./schema.js";

/** A record as its page shows it, with the related versions the viewer may see. */
async function recordAnswer(record: ArchiveRecord, viewer: Actor | undefined) {
  return presentRecord(record, await relatedRecords(record, recordPolicy.visibleOpenness(viewer)), viewer);
}

export function archiveRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/archive", sensitive: true, strict: true });

  // Public (政府信息公开): answers without a session, with 公开 records only; staff also see 内部 ones.
  router.get("/search", async (ctx: AppContext) => {
    const { query } = parseRequest(ctx, ArchiveSearchSchema);
    const visible = recordPolicy.visibleOpenness(ctx.state.actor);
    const result = await searchRecords(ctx.services.search, query, visible);
    ctx.body = {
      items: result.items.map((i) => presentHit(i.record, i)),
      total: result.total,
      totalExact: result.totalExact,
      facets: result.facets,
      docNumber: result.docNumber,
      page: query.page,
      pageSize: query.pageSize,
    };
  });

  // Titles under the search box as a person types, with the same visibility as the search.
  router.get("/suggest", async (ctx: AppContext) => {
    const { query } = parseRequest(ctx, ArchiveSuggestSchema);
    const items = await suggestRecords(ctx.services.search, query.q, recordPolicy.visibleOpenness(ctx.state.actor));
    ctx.body = { items: items.map((i) => presentSuggestion(i.record, i.title)) };
  });

  router.get("/records/:id", async (ctx: AppContext) => {
    const { params } = parseRequest(ctx, IdParamSchema);
    const record = await findRecordOr404(params.id);
    // 404, not 403: an 内部 record's existence is not told to those who may not see it.
    if (!recordPolicy.read(ctx.state.actor, record)) throw notFound("Record");
    ctx.body = await recordAnswer(record, ctx.state.actor);
  });

  // The original file, with the record's visibility: byte ranges (pdf.js reads a PDF page by page), ETag, 304.
  router.get("/records/:id/file", async (ctx: AppContext) => {
    const { params } = parseRequest(ctx, IdParamSchema);
    const record = await findRecordFileOr404(params.id);
    if (!recordPolicy.read(ctx.state.actor, record)) throw notFound("Record");
    const original = originalOf(record);
    if (!original) throw notFound("File");
    await sendBlob(ctx, ctx.services.blobs, {
      sha256: original.sha256,
      type: original.type,
      fileName: record.fileName ?? `${record.id}`,
      inline: original.type === "application/pdf",
    });
  });

  router.patch("/records/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(recordPolicy.manage(actor), "edit archive records");
    const { params, body } = parseRequest(ctx, RecordUpdateSchema);
    const record = await ctx.services.sequelize.transaction(async (t) => {
      const found = await findRecordOr404(params.id, t);
      const before = await updateRecord(found, body, t);
      await ctx.audit(
        {
          action: "archive.record.update",
          outcome: "success",
          targetType: "archive_record",
          targetId: found.id,
          detail: { title: found.title, before, changes: body },
        },
        t,
      );
      return found;
    });
    void ctx.services.searchOutbox.kick();
    ctx.body = await recordAnswer(record, actor);
  });

  // The record in the path is the newer one: it revises (修订) or repeals (废止) olderId.
  router.post("/records/:id/links", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(recordPolicy.manage(actor), "link archive records");
    const { params, body } = parseRequest(ctx, RecordLinkSchema);
    if (params.id === body.olderId) throw badRequest("link_to_itself", "A record cannot revise or repeal itself");
    const record = await ctx.services.sequelize.transaction(async (t) => {
      const newer = await findRecordOr404(params.id, t);
      const older = await findRecordOr404(body.olderId, t);
      await linkRecords(newer, older, body.kind, t);
      await ctx.audit(
        {
          action: "archive.record.link",
          outcome: "success",
          targetType: "archive_record",
          targetId: older.id,
          detail: { kind: body.kind, newerId: newer.id, newerTitle: newer.title, olderTitle: older.title },
        },
        t,
      );
      return newer;
    });
    void ctx.services.searchOutbox.kick();
    ctx.body = await recordAnswer(record, actor);
  });

  return router;
}

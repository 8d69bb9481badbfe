import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { sendBlob } from "../../../core/blobResponse.js";
import { forbidden } from "../../../core/errors.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { recordUsage } from "../../../stats/services/usage.js";
import type { LibraryTitle } from "../../models/index.js";
import { readingPolicy, type ReadAccess } from "../../policies/reading.js";
import { presentBookmark, presentPosition, presentReading } from "../../presenters/reading.js";
import {
  addBookmark,
  bookmarksOf,
  filesOf,
  findTitleFileOr404,
  findTitleOr404,
  positionOf,
  readAccessOf,
  removeBookmark,
  savePosition,
} from "../../services/reading.js";
import {
  BookmarkCreateSchema,
  BookmarkListSchema,
  BookmarkParamSchema,
  FileContentSchema,
  ReadingGetSchema,
  ReadingPutSchema,
  TitleParamSchema,
} from "./schema.js";

/** 403 with a code the reader explains (the loan has ended, or there never was one) and links back to the title. */
const loanRequired = () =>
  forbidden("Borrow this title to read it; an ended loan no longer opens it", "library_loan_required");

async function accessOrRefuse(ctx: AppContext, title: LibraryTitle): Promise<ReadAccess> {
  const access = await readAccessOf(ctx.state.actor?.id, title);
  if (!readingPolicy.readFile(access)) throw loanRequired();
  return access;
}

const EXTENSIONS: Record<string, string> = { "application/pdf": ".pdf", "application/epub+zip": ".epub" };

/**
 * The reader (client/src/views/library/reader): the title's files as byte
 * ranges, and the patron's place and bookmarks in them. Reading state is the
 * patron's own and is not written to the audit log: what someone reads, page
 * by page, is theirs, not a record of the organisation.
 */
export function libraryReadingRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({
    prefix: "/api/library/titles",
    sensitive: true,
    strict: true,
  });

  // Byte ranges (pdf.js reads a PDF page by page), ETag and 304, never compressed (core/blobResponse.ts).
  // Open access answers anyone, signed in or not; a borrowed title only its current borrower.
  router.get("/:id/files/:fileId/content", async (ctx: AppContext) => {
    const { params, query } = parseRequest(ctx, FileContentSchema);
    const title = await findTitleOr404(params.id);
    const file = await findTitleFileOr404(title.id, params.fileId);
    await accessOrRefuse(ctx, title);
    const download = query.download === "1";
    if (download && !readingPolicy.download(title))
      throw forbidden("Only open-access titles can be downloaded", "library_download_open_only");
    const fileName = `${title.title}${EXTENSIONS[file.mediaType] ?? ""}`;
    await sendBlob(ctx, ctx.services.blobs, {
      sha256: file.sha256,
      type: file.mediaType,
      fileName,
      inline: !download,
    });
    // One download counted per whole file sent (a resumed download asks for the rest by a range).
    if (download && ctx.status === 200 && ctx.method === "GET")
      await recordUsage({ kind: "library.download", userId: ctx.state.actor?.id ?? null, subject: String(title.id) });
  });

  // What the reader opens with; counted as one reading session (library.read), however many ranges follow.
  router.get("/:id/reading", async (ctx: AppContext) => {
    const { params, query } = parseRequest(ctx, ReadingGetSchema);
    const actor = ctx.state.actor;
    const title = await findTitleOr404(params.id);
    const access = await accessOrRefuse(ctx, title);
    const keepPlace = readingPolicy.keepPlace(actor, access);
    const [files, position, bookmarks] = await Promise.all([
      filesOf(title.id),
      actor && keepPlace ? positionOf(actor.id, title.id, query.file) : null,
      actor && keepPlace ? bookmarksOf(actor.id, title.id, undefined) : [],
    ]);
    await recordUsage({ kind: "library.read", userId: actor?.id ?? null, subject: String(title.id) });
    ctx.body = presentReading({
      title,
      files,
      access,
      can: { download: readingPolicy.download(title), keepPlace },
      watermark: actor && readingPolicy.watermark(access) ? actor.user.displayName : null,
      position,
      bookmarks,
    });
  });

  router.put("/:id/reading", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const title = await findTitleOr404(parseRequest(ctx, TitleParamSchema).params.id);
    authorize(readingPolicy.keepPlace(actor, await accessOrRefuse(ctx, title)), "keep a place in this title");
    const { body } = parseRequest(ctx, ReadingPutSchema);
    const position = await ctx.services.sequelize.transaction(async (t) => {
      await findTitleFileOr404(title.id, body.fileId, t);
      return savePosition({ userId: actor.id, titleId: title.id, ...body }, t);
    });
    ctx.body = presentPosition(position);
  });

  router.get("/:id/bookmarks", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const { params, query } = parseRequest(ctx, BookmarkListSchema);
    const title = await findTitleOr404(params.id);
    authorize(readingPolicy.keepPlace(actor, await accessOrRefuse(ctx, title)), "keep bookmarks in this title");
    const items = await bookmarksOf(actor.id, title.id, query.file);
    ctx.body = { items: items.map(presentBookmark) };
  });

  router.post("/:id/bookmarks", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const title = await findTitleOr404(parseRequest(ctx, TitleParamSchema).params.id);
    authorize(readingPolicy.keepPlace(actor, await accessOrRefuse(ctx, title)), "keep bookmarks in this title");
    const { body } = parseRequest(ctx, BookmarkCreateSchema);
    const bookmark = await ctx.services.sequelize.transaction(async (t) => {
      await findTitleFileOr404(title.id, body.fileId, t);
      return addBookmark({ userId: actor.id, titleId: title.id, ...body }, t);
    });
    ctx.status = 201;
    ctx.body = presentBookmark(bookmark);
  });

  // A patron may remove their bookmarks even after the loan ended: they are the patron's own notes.
  router.delete("/:id/bookmarks/:bookmarkId", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const title = await findTitleOr404(parseRequest(ctx, TitleParamSchema).params.id);
    const { params } = parseRequest(ctx, BookmarkParamSchema);
    await ctx.services.sequelize.transaction((t) => removeBookmark(actor.id, title.id, params.bookmarkId, t));
    ctx.status = 204;
  });

  return router;
}

import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { badRequest, notFound } from "../../../core/errors.js";
import { receiveUpload } from "../../../core/multipart.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { cataloguePolicy } from "../../policies/catalogue.js";
import { LibraryImport } from "../../models/catalogue.js";
import { presentImport, presentManagedFile, presentManagedTitle } from "../../presenters/manage.js";
import { parseImportCsv, queueCatalogueImport } from "../../services/catalogueImport.js";
import {
  addTitleFiles,
  catalogueTransaction,
  createTitle,
  listManagedTitles,
  managedTitle,
  removeTitleFile,
  updateTitle,
  withdrawTitle,
} from "../../services/titles.js";
import {
  IMPORT_UPLOAD_LIMITS,
  TITLE_UPLOAD_LIMITS,
  placeImportUpload,
  newLibraryUploadFolder,
  newTitleFields,
  placeTitleUpload,
  readUploadedBooks,
  storeUploadedBooks,
  type ReadUpload,
} from "../../services/titleUploads.js";
import {
  ImportIdSchema,
  ImportListSchema,
  ManagedTitleListSchema,
  TitleFileIdSchema,
  TitleIdSchema,
  TitleUpdateSchema,
} from "./schema.js";

/**
 * Streams a multipart form to a fresh folder, reads its books and hands them
 * to `work`; the folder is removed whatever happens (see services/titleUploads.ts).
 */
async function withUploadedBooks<T>(
  ctx: AppContext,
  work: (read: ReadUpload, fields: Record<string, string>) => Promise<T>,
): Promise<T> {
  const dir = newLibraryUploadFolder(ctx.services.env.DATA_DIR);
  const upload = await receiveUpload(ctx, dir, TITLE_UPLOAD_LIMITS, placeTitleUpload());
  try {
    return await work(await readUploadedBooks(dir, upload.files), upload.fields);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The catalogue as librarians (library.manage) keep it: titles, their files and covers. */
export function libraryManageRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/library", sensitive: true, strict: true });

  router.get("/manage/titles", async (ctx: AppContext) => {
    authorize(cataloguePolicy.manage(actorOf(ctx)), "manage the catalogue");
    const { query } = parseRequest(ctx, ManagedTitleListSchema);
    const { rows, count } = await listManagedTitles(query);
    ctx.body = {
      items: rows.map((r) => presentManagedTitle(r.title, r.files)),
      total: count,
      page: query.page,
      pageSize: query.pageSize,
    };
  });

  router.get("/manage/titles/:id", async (ctx: AppContext) => {
    authorize(cataloguePolicy.manage(actorOf(ctx)), "manage the catalogue");
    const { params } = parseRequest(ctx, TitleIdSchema);
    const { title, files } = await managedTitle(params.id);
    ctx.body = presentManagedTitle(title, files);
  });

  // Files (PDF, EPUB), optional fields and an optional cover: what the form leaves out is read from the first PDF.
  router.post("/titles", async (ctx: AppContext) => {
    authorize(cataloguePolicy.manage(actorOf(ctx)), "add titles to the catalogue");
    const { title, files } = await withUploadedBooks(ctx, async (read, fields) => {
      const first = read.books[0];
      if (!first) throw badRequest("library_no_files", "Upload at least one PDF or EPUB file");
      const titleFields = newTitleFields(fields, first.reading.metadata, first.file.name);
      const stored = await storeUploadedBooks(ctx.services.blobs, read, { renderCover: true });
      return catalogueTransaction(async (t) => {
        const created = await createTitle({ fields: titleFields, ...stored }, t);
        await ctx.audit(
          {
            action: "library.title.create",
            outcome: "success",
            targetType: "library_title",
            targetId: created.title.id,
            detail: {
              title: created.title.title,
              files: stored.files.map((f) => ({ name: f.fileName, sha256: f.sha256, size: f.size })),
              coverGiven: Boolean(read.cover),
            },
          },
          t,
        );
        return created;
      });
    });
    ctx.status = 201;
    ctx.body = presentManagedTitle(title, files);
  });

  router.patch("/titles/:id", async (ctx: AppContext) => {
    authorize(cataloguePolicy.manage(actorOf(ctx)), "edit the catalogue");
    const { params, body } = parseRequest(ctx, TitleUpdateSchema);
    const { cover, ...patch } = body;
    const updated = await catalogueTransaction(async (t) => {
      const { title, changed } = await updateTitle(
        params.id,
        { ...patch, ...(cover === null ? { coverSha256: null } : {}) },
        t,
      );
      if (changed.length) {
        await ctx.audit(
          {
            action: "library.title.update",
            outcome: "success",
            targetType: "library_title",
            targetId: title.id,
            detail: { changed, ...patch },
          },
          t,
        );
      }
      return managedTitle(title.id, t);
    });
    ctx.body = presentManagedTitle(updated.title, updated.files);
  });

  // A new cover (an image), replacing the one given or rendered before.
  router.post("/titles/:id/cover", async (ctx: AppContext) => {
    authorize(cataloguePolicy.manage(actorOf(ctx)), "edit the catalogue");
    const { params } = parseRequest(ctx, TitleIdSchema);
    const updated = await withUploadedBooks(ctx, async (read) => {
      if (!read.cover) throw badRequest("library_no_cover", "Upload the cover as the field cover");
      const { coverSha256 } = await storeUploadedBooks(
        ctx.services.blobs,
        { books: [], cover: read.cover },
        {
          renderCover: false,
        },
      );
      return catalogueTransaction(async (t) => {
        const { title } = await updateTitle(params.id, { coverSha256 }, t);
        await ctx.audit(
          {
            action: "library.title.cover",
            outcome: "success",
            targetType: "library_title",
            targetId: title.id,
            detail: { sha256: coverSha256 },
          },
          t,
        );
        return managedTitle(title.id, t);
      });
    });
    ctx.body = presentManagedTitle(updated.title, updated.files);
  });

  // Withdrawal: the title leaves the catalogue and the index (409 while on loan).
  router.delete("/titles/:id", async (ctx: AppContext) => {
    authorize(cataloguePolicy.manage(actorOf(ctx)), "withdraw titles");
    const { params } = parseRequest(ctx, TitleIdSchema);
    await catalogueTransaction(async (t) => {
      const title = await withdrawTitle(params.id, t);
      await ctx.audit(
        {
          action: "library.title.withdraw",
          outcome: "success",
          targetType: "library_title",
          targetId: title.id,
          detail: { title: title.title },
        },
        t,
      );
    });
    ctx.status = 204;
  });

  router.post("/titles/:id/files", async (ctx: AppContext) => {
    authorize(cataloguePolicy.manage(actorOf(ctx)), "edit the catalogue");
    const { params } = parseRequest(ctx, TitleIdSchema);
    const added = await withUploadedBooks(ctx, async (read) => {
      if (read.books.length === 0) throw badRequest("library_no_files", "Upload at least one PDF or EPUB file");
      const stored = await storeUploadedBooks(
        ctx.services.blobs,
        { books: read.books, cover: null },
        {
          renderCover: false,
        },
      );
      return catalogueTransaction(async (t) => {
        const rows = await addTitleFiles(params.id, stored.files, t);
        await ctx.audit(
          {
            action: "library.file.add",
            outcome: "success",
            targetType: "library_title",
            targetId: params.id,
            detail: { files: stored.files.map((f) => ({ name: f.fileName, sha256: f.sha256, size: f.size })) },
          },
          t,
        );
        return rows;
      });
    });
    ctx.status = 201;
    ctx.body = { items: added.map(presentManagedFile) };
  });

  router.delete("/titles/:id/files/:fileId", async (ctx: AppContext) => {
    authorize(cataloguePolicy.manage(actorOf(ctx)), "edit the catalogue");
    const { params } = parseRequest(ctx, TitleFileIdSchema);
    await catalogueTransaction(async (t) => {
      const file = await removeTitleFile(params.id, params.fileId, t);
      await ctx.audit(
        {
          action: "library.file.remove",
          outcome: "success",
          targetType: "library_title",
          targetId: params.id,
          detail: { fileId: file.id, name: file.fileName, sha256: file.sha256 },
        },
        t,
      );
    });
    ctx.status = 204;
  });

  // A folder of books and a CSV list (services/catalogueImport.ts), filed by the job queue.
  router.post("/imports", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(cataloguePolicy.manage(actor), "import into the catalogue");
    const dir = newLibraryUploadFolder(ctx.services.env.DATA_DIR);
    const upload = await receiveUpload(ctx, dir, IMPORT_UPLOAD_LIMITS, placeImportUpload);
    try {
      if (!upload.files.some((f) => f.field === "csv")) {
        throw badRequest("library_import_no_csv", "Upload the CSV list as the field csv");
      }
      const rows = parseImportCsv(await readFile(join(dir, "list.csv"), "utf8"));
      const run = await ctx.services.sequelize.transaction(async (t) => {
        const queued = await queueCatalogueImport({ operator: actor.user.username, dir, rows: rows.length }, t);
        await ctx.audit(
          {
            action: "library.import.upload",
            outcome: "success",
            targetType: "library_import",
            targetId: queued.id,
            detail: { rows: rows.length, files: upload.files.filter((f) => f.field === "files").length },
          },
          t,
        );
        return queued;
      });
      ctx.status = 202;
      ctx.body = presentImport(run);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  });

  router.get("/imports", async (ctx: AppContext) => {
    authorize(cataloguePolicy.manage(actorOf(ctx)), "see catalogue imports");
    const { query } = parseRequest(ctx, ImportListSchema);
    const { rows, count } = await LibraryImport.findAndCountAll({
      order: [["id", "DESC"]],
      offset: (query.page - 1) * query.pageSize,
      limit: query.pageSize,
    });
    ctx.body = { items: rows.map((r) => presentImport(r)), total: count, page: query.page, pageSize: query.pageSize };
  });

  router.get("/imports/:id", async (ctx: AppContext) => {
    authorize(cataloguePolicy.manage(actorOf(ctx)), "see catalogue imports");
    const { params } = parseRequest(ctx, ImportIdSchema);
    const run = await LibraryImport.findByPk(params.id);
    if (!run) throw notFound("Import");
    ctx.body = presentImport(run, true);
  });

  return router;
}

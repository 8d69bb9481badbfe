import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { sendBlob } from "../../../core/blobResponse.js";
import { notFound } from "../../../core/errors.js";
import { authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { recordUsage } from "../../../stats/services/usage.js";
import { cataloguePolicy } from "../../policies/catalogue.js";
import { presentTitleCard, presentTitleDetail, presentTitleHit } from "../../presenters/catalogue.js";
import {
  classNamePath,
  classTree,
  classWithContext,
  coverMediaType,
  filesOf,
  licenceState,
  patronState,
  searchTitles,
  titleShelf,
} from "../../services/catalogueBrowser.js";
import { findTitleOr404 } from "../../services/titles.js";
import { ClassCodeSchema, CoverSchema, TitleIdSchema, TitleSearchSchema } from "./schema.js";

/** Titles on each shelf of the library's home page. */
const SHELF = 12;

/**
 * The catalogue as everyone browses it: the public without a session (as in a
 * Koha OPAC, before registering), patrons and librarians signed in. Only a
 * title's page differs by viewer: their loan, their hold and what they may do.
 */
export function libraryCatalogueRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/library", sensitive: true, strict: true });

  router.get("/home", async (ctx: AppContext) => {
    authorize(cataloguePolicy.browse(ctx.state.actor), "browse the library");
    const [arrivals, popular, classes] = await Promise.all([
      titleShelf("new", SHELF),
      titleShelf("popular", SHELF),
      classTree(),
    ]);
    ctx.body = {
      newArrivals: arrivals.map(presentTitleCard),
      mostBorrowed: popular.map(presentTitleCard),
      classes: classes.map((c) => ({ code: c.code, name: c.name, count: c.count })),
      total: classes.reduce((sum, c) => sum + c.count, 0),
    };
  });

  router.get("/classes", async (ctx: AppContext) => {
    authorize(cataloguePolicy.browse(ctx.state.actor), "browse the library");
    ctx.body = { items: await classTree() };
  });

  router.get("/classes/:code", async (ctx: AppContext) => {
    authorize(cataloguePolicy.browse(ctx.state.actor), "browse the library");
    const { params } = parseRequest(ctx, ClassCodeSchema);
    const found = await classWithContext(params.code);
    if (!found) throw notFound("Class");
    // A class page opened: the seed's "catalogue navigation" figure.
    await recordUsage({ kind: "library.navigate", userId: ctx.state.actor?.id ?? null, subject: found.code });
    ctx.body = found;
  });

  router.get("/titles", async (ctx: AppContext) => {
    authorize(cataloguePolicy.browse(ctx.state.actor), "browse the library");
    const { query } = parseRequest(ctx, TitleSearchSchema);
    const sort = query.sort ?? (query.q ? "relevance" : "new");
    const result = await searchTitles(ctx.services.search, { ...query, sort });
    // Searches are what was typed; paging through the same search or browsing a list is not another search.
    if (query.q && query.page === 1)
      await recordUsage({ kind: "library.search", userId: ctx.state.actor?.id ?? null, subject: query.q });
    ctx.body = {
      items: result.items.map((i) => presentTitleHit(i.title, i.marked, i.snippet)),
      total: result.total,
      facets: result.facets,
      sort,
      page: query.page,
      pageSize: query.pageSize,
    };
  });

  router.get("/titles/:id", async (ctx: AppContext) => {
    authorize(cataloguePolicy.browse(ctx.state.actor), "browse the library");
    const { params } = parseRequest(ctx, TitleIdSchema);
    const title = await findTitleOr404(params.id);
    const actor = ctx.state.actor;
    const [classPath, files, licence, patron] = await Promise.all([
      classNamePath(title.classCode),
      filesOf(title.id),
      licenceState(title),
      actor ? patronState(title.id, actor.id) : null,
    ]);
    const abilities = cataloguePolicy.abilities(actor, {
      licenceModel: title.licenceModel,
      ...licence,
      loan: patron?.loan ?? null,
      hold: patron?.hold ?? null,
    });
    ctx.body = presentTitleDetail(title, { classPath, files, licence, patron, abilities });
  });

  // Anyone: a cover shows in the public catalogue too. Its address names the cover's hash (presenters/catalogue.ts).
  router.get("/titles/:id/cover", async (ctx: AppContext) => {
    authorize(cataloguePolicy.browse(ctx.state.actor), "browse the library");
    const { params, query } = parseRequest(ctx, CoverSchema);
    const title = await findTitleOr404(params.id);
    const type = title.coverSha256 ? await coverMediaType(ctx.services.blobs, title.coverSha256) : null;
    if (!title.coverSha256 || !type) throw notFound("Cover");
    await sendBlob(ctx, ctx.services.blobs, {
      sha256: title.coverSha256,
      type,
      fileName: `cover-${title.id}`,
      inline: true,
    });
    // Unlike a book, a cover is not lent: shared caches may keep it, and an address with its hash never changes.
    const versioned = query.v === title.coverSha256.slice(0, 12);
    ctx.set("Cache-Control", versioned ? "public, max-age=31536000, immutable" : "public, max-age=300");
  });

  return router;
}

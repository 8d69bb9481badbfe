import Router from "@koa/router";
import type { Next } from "koa";
import { Op } from "sequelize";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { forbidden, notFound } from "../../../core/errors.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { readSetting } from "../../../org/services/settings.js";
import { recordUsage } from "../../../stats/services/usage.js";
import { LibraryClass, LibraryLoan, LibraryTitle } from "../../models/index.js";
import { opdsPolicy } from "../../policies/opds.js";
import {
  feed,
  fileContentPath,
  navigationEntry,
  openSearchDescription,
  OPDS_ACQUISITION,
  OPDS_NAVIGATION,
  OPENSEARCH_TYPE,
  REL,
  titleEntry,
  type FeedLink,
} from "../../presenters/opds.js";
import { classCounts, searchTitles, type TitleSort } from "../../services/catalogueBrowser.js";
import { borrow } from "../../services/lending.js";
import { patronCategoryOf } from "../../services/patrons.js";
import { findTitleFileOr404, findTitleOr404 } from "../../services/reading.js";
import { entryContext } from "../../services/opdsCatalogue.js";
import { signedInByBasic } from "./basicAuth.js";
import {
  OpdsBorrowSchema,
  OpdsClassSchema,
  OpdsClassTitlesSchema,
  OpdsPageSchema,
  OpdsSearchSchema,
} from "./schema.js";

/** The catalogue's canonical address; /opds redirects here (opdsShortcut). */
export const OPDS_ROOT = "/api/library/opds";
const PAGE_SIZE = 20;

/** The address people reach the application at, for the feeds' Atom ids (absolute IRIs). */
const baseOf = (ctx: AppContext) => (ctx.services.env.PUBLIC_URL ?? `${ctx.protocol}://${ctx.host}`).replace(/\/$/, "");
const siteName = async () => (await readSetting("system")).siteName;

/** The root's links every feed carries: start, and the OpenSearch description. */
const common = (): FeedLink[] => [
  { rel: "start", href: OPDS_ROOT, type: OPDS_NAVIGATION },
  { rel: "search", href: `${OPDS_ROOT}/opensearch`, type: OPENSEARCH_TYPE },
];

/** A range class's slash written as a hyphen in a path (routes/catalogue does the same). */
const classPath = (code: string) => `${OPDS_ROOT}/classes/${code.replace("/", "-")}`;

function send(ctx: AppContext, type: string, body: string): void {
  ctx.type = type;
  ctx.body = body;
}

/** An acquisition feed of one page of titles, with first/previous/next links. */
async function acquisitionFeed(
  ctx: AppContext,
  props: {
    path: string;
    query?: Record<string, string>;
    title: string;
    page: number;
    total: number;
    titles: LibraryTitle[];
  },
): Promise<void> {
  const actor = actorOf(ctx);
  const context = await entryContext(props.titles, actor.id);
  const base = baseOf(ctx);
  const pageHref = (page: number) => {
    const params = new URLSearchParams({ ...props.query, ...(page > 1 ? { page: String(page) } : {}) }).toString();
    return params ? `${props.path}?${params}` : props.path;
  };
  const last = Math.max(1, Math.ceil(props.total / PAGE_SIZE));
  const links: FeedLink[] = [
    { rel: "self", href: pageHref(props.page), type: OPDS_ACQUISITION },
    ...common(),
    { rel: "up", href: OPDS_ROOT, type: OPDS_NAVIGATION },
    { rel: "first", href: pageHref(1), type: OPDS_ACQUISITION },
    ...(props.page > 1
      ? [{ rel: "previous", href: pageHref(Math.min(props.page - 1, last)), type: OPDS_ACQUISITION }]
      : []),
    ...(props.page < last ? [{ rel: "next", href: pageHref(props.page + 1), type: OPDS_ACQUISITION }] : []),
    { rel: "last", href: pageHref(last), type: OPDS_ACQUISITION },
  ];
  send(
    ctx,
    OPDS_ACQUISITION,
    feed({
      id: `${base}${pageHref(1)}`,
      title: props.title,
      updated: new Date(),
      author: await siteName(),
      links,
      paging: { total: props.total, start: (props.page - 1) * PAGE_SIZE + 1, perPage: PAGE_SIZE },
      entries: props.titles.map((title) =>
        titleEntry({
          base,
          title,
          files: context.files.get(title.id) ?? [],
          acquisition: context.acquisition.get(title.id) ?? "none",
          classLabel: context.classLabel.get(title.id) ?? null,
        }),
      ),
    }),
  );
}

/** A list of the catalogue (new, popular, a class) or a search, a page at a time, through catalogueBrowser. */
async function titlesPage(ctx: AppContext, search: { q: string; sort: TitleSort; classCode?: string; page: number }) {
  const result = await searchTitles(ctx.services.search, { ...search, pageSize: PAGE_SIZE });
  return { titles: result.items.map((i) => i.title), total: result.total };
}

/**
 * The OPDS 1.2 catalogue for reader apps (KOReader, Thorium, Moon+ Reader…):
 * a navigation feed by 中图法 class (top classes → second-level classes →
 * their titles), acquisition feeds of new arrivals, the most borrowed, the
 * patron's loans and search results (OpenSearch), each entry with an
 * open-access, borrow or (for a loan held) acquisition link per file. Signed
 * in with HTTP Basic over the library's accounts (basicAuth.ts). Each request
 * counts as library.opds; class feeds and searches also as navigation and
 * searches, as the web catalogue counts them.
 */
export function libraryOpdsRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ sensitive: true, strict: true });

  // Every route here: the patron, and the request counted once it has been answered.
  const patron = async (ctx: AppContext, next: Next) => {
    authorize(opdsPolicy.use(actorOf(ctx)), "use the library");
    await next();
    if (ctx.status < 400)
      await recordUsage({ kind: "library.opds", userId: ctx.state.actor?.id ?? null, subject: ctx.path });
  };

  router.get(OPDS_ROOT, patron, async (ctx: AppContext) => {
    const base = baseOf(ctx);
    const now = new Date();
    const nav = (id: string, title: string, href: string, type: string, content: string, rel?: string) =>
      navigationEntry({ id: `${base}${href}`, title, updated: now, href, type, content, rel });
    send(
      ctx,
      OPDS_NAVIGATION,
      feed({
        id: `${base}${OPDS_ROOT}`,
        title: await siteName(),
        updated: now,
        author: await siteName(),
        links: [{ rel: "self", href: OPDS_ROOT, type: OPDS_NAVIGATION }, ...common()],
        entries: [
          nav("classes", "中图法分类", `${OPDS_ROOT}/classes`, OPDS_NAVIGATION, "按中国图书馆分类法浏览"),
          nav("new", "新书上架", `${OPDS_ROOT}/new`, OPDS_ACQUISITION, "最新加入馆藏的图书", REL.newArrivals),
          nav("popular", "借阅排行", `${OPDS_ROOT}/popular`, OPDS_ACQUISITION, "近期借阅最多的图书", REL.popular),
          nav("loans", "我的借阅", `${OPDS_ROOT}/loans`, OPDS_ACQUISITION, "您正在借阅的图书"),
        ],
      }),
    );
  });

  // The 22 top classes, or a class's second-level classes; a class without any lists its titles.
  const classFeed = async (ctx: AppContext, parent: LibraryClass | null) => {
    const base = baseOf(ctx);
    const [children, counts] = await Promise.all([
      LibraryClass.findAll({ where: { parentCode: parent?.code ?? null }, order: [["sortOrder", "ASC"]] }),
      classCounts(),
    ]);
    const grandchildren = new Set(
      (
        await LibraryClass.findAll({ where: { parentCode: children.map((c) => c.code) }, attributes: ["parentCode"] })
      ).map((c) => c.parentCode),
    );
    const now = new Date();
    const self = parent ? classPath(parent.code) : `${OPDS_ROOT}/classes`;
    const entries = children.map((c) => {
      const navigable = grandchildren.has(c.code);
      const href = navigable ? classPath(c.code) : `${classPath(c.code)}/titles`;
      const count = counts.get(c.code) ?? 0;
      return navigationEntry({
        id: `${base}${classPath(c.code)}`,
        title: `${c.code} ${c.name}`,
        updated: now,
        href,
        type: navigable ? OPDS_NAVIGATION : OPDS_ACQUISITION,
        content: `${count} 种`,
        count,
      });
    });
    if (parent)
      entries.unshift(
        navigationEntry({
          id: `${base}${classPath(parent.code)}/titles`,
          title: `${parent.code} ${parent.name}：全部图书`,
          updated: now,
          href: `${classPath(parent.code)}/titles`,
          type: OPDS_ACQUISITION,
          content: `${counts.get(parent.code) ?? 0} 种`,
          count: counts.get(parent.code) ?? 0,
        }),
      );
    send(
      ctx,
      OPDS_NAVIGATION,
      feed({
        id: `${base}${self}`,
        title: parent ? `${parent.code} ${parent.name}` : "中图法分类",
        updated: now,
        author: await siteName(),
        links: [
          { rel: "self", href: self, type: OPDS_NAVIGATION },
          ...common(),
          {
            rel: "up",
            href: parent?.parentCode ? classPath(parent.parentCode) : parent ? `${OPDS_ROOT}/classes` : OPDS_ROOT,
            type: OPDS_NAVIGATION,
          },
        ],
        entries,
      }),
    );
  };

  router.get(`${OPDS_ROOT}/classes`, patron, (ctx: AppContext) => classFeed(ctx, null));

  router.get(`${OPDS_ROOT}/classes/:code`, patron, async (ctx: AppContext) => {
    const { params } = parseRequest(ctx, OpdsClassSchema);
    const found = await LibraryClass.findByPk(params.code);
    if (!found) throw notFound("Class");
    // A class opened: the seed's "catalogue navigation", as the web's class page counts it.
    await recordUsage({ kind: "library.navigate", userId: actorOf(ctx).id, subject: found.code });
    await classFeed(ctx, found);
  });

  router.get(`${OPDS_ROOT}/classes/:code/titles`, patron, async (ctx: AppContext) => {
    const { params, query } = parseRequest(ctx, OpdsClassTitlesSchema);
    const found = await LibraryClass.findByPk(params.code);
    if (!found) throw notFound("Class");
    if (query.page === 1) await recordUsage({ kind: "library.navigate", userId: actorOf(ctx).id, subject: found.code });
    const page = await titlesPage(ctx, { q: "", sort: "new", classCode: found.code, page: query.page });
    await acquisitionFeed(ctx, {
      path: `${classPath(found.code)}/titles`,
      title: `${found.code} ${found.name}`,
      page: query.page,
      ...page,
    });
  });

  for (const [path, sort, title] of [
    ["new", "new", "新书上架"],
    ["popular", "popular", "借阅排行"],
  ] as const) {
    router.get(`${OPDS_ROOT}/${path}`, patron, async (ctx: AppContext) => {
      const { query } = parseRequest(ctx, OpdsPageSchema);
      const page = await titlesPage(ctx, { q: "", sort, page: query.page });
      await acquisitionFeed(ctx, { path: `${OPDS_ROOT}/${path}`, title, page: query.page, ...page });
    });
  }

  router.get(`${OPDS_ROOT}/loans`, patron, async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const { query } = parseRequest(ctx, OpdsPageSchema);
    // A patron's loans are a handful (the loan rules cap them): their titles, then a page of those.
    const loans = await LibraryLoan.findAll({ where: { userId: actor.id, state: "active" }, attributes: ["titleId"] });
    const { rows, count } = await LibraryTitle.findAndCountAll({
      where: { withdrawnAt: null, id: loans.map((l) => l.titleId) },
      order: [["id", "ASC"]],
      limit: PAGE_SIZE,
      offset: (query.page - 1) * PAGE_SIZE,
    });
    await acquisitionFeed(ctx, {
      path: `${OPDS_ROOT}/loans`,
      title: "我的借阅",
      page: query.page,
      total: count,
      titles: rows,
    });
  });

  router.get(`${OPDS_ROOT}/search`, patron, async (ctx: AppContext) => {
    const { query } = parseRequest(ctx, OpdsSearchSchema);
    if (query.page === 1) await recordUsage({ kind: "library.search", userId: actorOf(ctx).id, subject: query.q });
    const page = await titlesPage(ctx, { q: query.q, sort: "relevance", page: query.page });
    await acquisitionFeed(ctx, {
      path: `${OPDS_ROOT}/search`,
      query: { q: query.q },
      title: `检索：${query.q}`,
      page: query.page,
      ...page,
    });
  });

  router.get(`${OPDS_ROOT}/opensearch`, patron, async (ctx: AppContext) => {
    send(
      ctx,
      OPENSEARCH_TYPE,
      openSearchDescription({
        shortName: (await siteName()).slice(0, 16),
        description: "检索书名、作者、主题和全文",
        template: `${baseOf(ctx)}${OPDS_ROOT}/search?q={searchTerms}`,
      }),
    );
  });

  /**
   * A borrow link (rel http://opds-spec.org/acquisition/borrow): lends the title
   * (services/lending.ts, with its limits and the licence's copies) unless the
   * patron holds it already, then sends the app on to the file. Reader apps
   * follow acquisition links with GET, so this GET changes something: it is
   * answered only to Basic credentials, never to a browser's session cookie
   * (which a page on another site could make the browser send).
   */
  router.get(`${OPDS_ROOT}/titles/:id/borrow`, patron, async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    if (!signedInByBasic(ctx)) throw forbidden("Borrow through a reader app, signed in with HTTP Basic");
    const { params, query } = parseRequest(ctx, OpdsBorrowSchema);
    const title = await findTitleOr404(params.id);
    const file = await findTitleFileOr404(title.id, query.file);
    const now = new Date();
    const held = await LibraryLoan.count({
      where: { userId: actor.id, titleId: title.id, state: "active", dueAt: { [Op.gt]: now } },
    });
    if (!held && title.licenceModel !== "open") {
      const category = await patronCategoryOf(actor.user);
      await borrow(actor.id, title.id, category, now, async (made, t) => {
        await ctx.audit(
          {
            action: "library.loan.borrow",
            outcome: "success",
            targetType: "library_loan",
            targetId: made.id,
            detail: { titleId: made.titleId, dueAt: made.dueAt.toISOString(), patronCategory: category, via: "opds" },
          },
          t,
        );
        await recordUsage({ kind: "library.borrow", userId: actor.id, subject: String(made.titleId) }, t);
      });
    }
    ctx.status = 303;
    ctx.redirect(fileContentPath(title.id, file.id));
  });

  return router;
}

/**
 * /opds, the address people type into a reader app, leads to the catalogue's
 * canonical one (the API's, outside the SPA's fallback); 308 keeps the method.
 */
export async function opdsShortcut(ctx: AppContext, next: Next): Promise<void> {
  if (ctx.path !== "/opds" && ctx.path !== "/opds/") return next();
  ctx.status = 308;
  ctx.redirect(OPDS_ROOT);
}

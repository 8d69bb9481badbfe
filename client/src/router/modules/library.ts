import type { RouteRecordRaw } from "vue-router";

/**
 * The catalogue's pages below its home, each both in the layout (library-<name>) and for visitors who have not
 * signed in (library-open-<name>; views/library/catalogue/routes.ts chooses between the two).
 */
const cataloguePages = [
  { path: "classes/:code", name: "class", component: () => import("@/views/library/catalogue/class-page.vue") },
  { path: "search", name: "search", component: () => import("@/views/library/catalogue/search-page.vue") },
  { path: "titles/:id", name: "title", component: () => import("@/views/library/catalogue/title-page.vue") },
];

/**
 * The e-library (网上电子图书馆) in the layout, one menu group: the catalogue (views/library/home, catalogue) and
 * 我的图书馆 for every patron; the catalogue's upkeep, imports, loans, loan rules and figures for librarians.
 */
export const libraryRoutes: RouteRecordRaw[] = [
  {
    path: "library",
    name: "library-section",
    meta: { title: "menu.library", icon: "reading", permission: "library.use", order: 13 },
    children: [
      {
        path: "",
        name: "library",
        component: () => import("@/views/library/home/index.vue"),
        meta: { title: "library.catalogue.home", order: 1 },
      },
      {
        path: "me",
        name: "library-me",
        component: () => import("@/views/library/me/index.vue"),
        meta: { title: "library.lending.me.title", order: 2 },
      },
      // The catalogue as librarians keep it (views/library/manage/titles, imports).
      {
        path: "manage/titles",
        name: "library-manage-titles",
        component: () => import("@/views/library/manage/titles/list.vue"),
        meta: { title: "library.manage.titles.title", permission: "library.manage", order: 3 },
      },
      {
        path: "manage/imports",
        name: "library-manage-imports",
        component: () => import("@/views/library/manage/imports/index.vue"),
        meta: { title: "library.manage.imports.title", permission: "library.manage", order: 4 },
      },
      // Lending as librarians see it: every loan, and the loan rules.
      {
        path: "manage/loans",
        name: "library-manage-loans",
        component: () => import("@/views/library/manage/loans.vue"),
        meta: { title: "library.lending.manage.loansTitle", permission: "library.manage", order: 5 },
      },
      {
        path: "manage/rules",
        name: "library-manage-rules",
        component: () => import("@/views/library/manage/rules.vue"),
        meta: { title: "library.lending.rules.title", permission: "library.manage", order: 6 },
      },
      {
        // The library's figures by month and day (GET /api/stats/library).
        path: "manage/stats",
        name: "library-stats",
        component: () => import("@/views/library/stats/index.vue"),
        meta: { title: "library.stats.title", permission: "library.manage", order: 7 },
      },
      // The catalogue's pages; the same screens for visitors under /open/library.
      ...cataloguePages.map(({ path, name, component }) => ({
        path,
        name: `library-${name}`,
        component,
        meta: { title: "menu.library", hideInMenu: true },
      })),
    ],
  },
];

/** The catalogue for visitors who have not signed in (as a Koha OPAC), in the public shell, outside the layout. */
export const libraryPublicRoutes: RouteRecordRaw[] = [
  {
    path: "/open/library",
    name: "library-open",
    component: () => import("@/views/library/home/index.vue"),
    props: { open: true },
    meta: { title: "library.catalogue.title", public: true, messages: true },
  },
  ...cataloguePages.map(({ path, name, component }) => ({
    path: `/open/library/${path}`,
    name: `library-open-${name}`,
    component,
    props: { open: true },
    meta: { title: "library.catalogue.title", public: true, messages: true },
  })),
];

/**
 * The reader (views/library/reader), full screen outside the layout, as a reading app: the page has the whole
 * window (a phone most of all), and the first page does not wait for the menu and header's scripts. Signed in,
 * without a permission code: the API decides who may open the title (a current loan, or open access), and the
 * screen explains a refusal with a link back to the title.
 */
export const libraryReaderRoutes: RouteRecordRaw[] = [
  {
    path: "/library/read/:titleId",
    name: "library-reader",
    component: () => import("@/views/library/reader/index.vue"),
    props: true,
    meta: { title: "library.reader.title", hideInMenu: true },
  },
  {
    // The same reader for visitors who have not signed in: open-access titles only (the API refuses the others,
    // and the screen says so). A signed-out visitor sent to /library/read/… lands here (router/index.ts).
    path: "/open/library/read/:titleId",
    name: "library-open-reader",
    component: () => import("@/views/library/reader/index.vue"),
    props: true,
    meta: { title: "library.reader.title", public: true, messages: true },
  },
];

import type { RouteRecordRaw } from "vue-router";

/** The e-library (网上电子图书馆): catalogue, lending, reading, management and statistics. */
export const libraryRoutes: RouteRecordRaw[] = [
  {
    // The library's figures by month and day, for librarians (GET /api/stats/library).
    path: "library/manage/stats",
    name: "library-stats",
    component: () => import("@/views/library/stats/index.vue"),
    meta: { title: "library.stats.title", icon: "reading", permission: "library.manage", order: 13.9 },
  },
  // The catalogue as librarians keep it (views/library/manage/titles, imports).
  {
    path: "library/manage/titles",
    name: "library-manage-titles",
    component: () => import("@/views/library/manage/titles/list.vue"),
    meta: { title: "library.manage.titles.title", icon: "reading", permission: "library.manage", order: 13.5 },
  },
  {
    path: "library/manage/imports",
    name: "library-manage-imports",
    component: () => import("@/views/library/manage/imports/index.vue"),
    meta: { title: "library.manage.imports.title", icon: "reading", permission: "library.manage", order: 13.6 },
  },
  // Lending: the patron's own page, and the librarian's loans and loan rules.
  {
    path: "library/me",
    name: "library-me",
    component: () => import("@/views/library/me/index.vue"),
    meta: { title: "library.lending.me.title", icon: "reading", permission: "library.use", order: 13.1 },
  },
  {
    path: "library/manage/loans",
    name: "library-manage-loans",
    component: () => import("@/views/library/manage/loans.vue"),
    meta: { title: "library.lending.manage.loansTitle", icon: "reading", permission: "library.manage", order: 13.7 },
  },
  {
    path: "library/manage/rules",
    name: "library-manage-rules",
    component: () => import("@/views/library/manage/rules.vue"),
    meta: { title: "library.lending.rules.title", icon: "reading", permission: "library.manage", order: 13.8 },
  },
  // The catalogue (views/library/home, views/library/catalogue); the same screens for visitors under /open/library.
  {
    path: "library",
    name: "library",
    component: () => import("@/views/library/home/index.vue"),
    meta: { title: "menu.library", icon: "reading", permission: "library.use", order: 13 },
  },
  {
    path: "library/classes/:code",
    name: "library-class",
    component: () => import("@/views/library/catalogue/class-page.vue"),
    meta: { title: "menu.library", permission: "library.use", hideInMenu: true },
  },
  {
    path: "library/search",
    name: "library-search",
    component: () => import("@/views/library/catalogue/search-page.vue"),
    meta: { title: "menu.library", permission: "library.use", hideInMenu: true },
  },
  {
    path: "library/titles/:id",
    name: "library-title",
    component: () => import("@/views/library/catalogue/title-page.vue"),
    meta: { title: "menu.library", permission: "library.use", hideInMenu: true },
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
  {
    path: "/open/library/classes/:code",
    name: "library-open-class",
    component: () => import("@/views/library/catalogue/class-page.vue"),
    props: { open: true },
    meta: { title: "library.catalogue.title", public: true, messages: true },
  },
  {
    path: "/open/library/search",
    name: "library-open-search",
    component: () => import("@/views/library/catalogue/search-page.vue"),
    props: { open: true },
    meta: { title: "library.catalogue.title", public: true, messages: true },
  },
  {
    path: "/open/library/titles/:id",
    name: "library-open-title",
    component: () => import("@/views/library/catalogue/title-page.vue"),
    props: { open: true },
    meta: { title: "library.catalogue.title", public: true, messages: true },
  },
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

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
  {
    path: "library",
    name: "library",
    component: () => import("@/views/modules/placeholder.vue"),
    props: { module: "library" },
    meta: { title: "menu.library", icon: "reading", permission: "library.use", order: 13 },
  },
];

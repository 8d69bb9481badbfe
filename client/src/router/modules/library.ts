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
  {
    path: "library",
    name: "library",
    component: () => import("@/views/modules/placeholder.vue"),
    props: { module: "library" },
    meta: { title: "menu.library", icon: "reading", permission: "library.use", order: 13 },
  },
];

import type { RouteRecordRaw } from "vue-router";

/** The e-library (网上电子图书馆): catalogue, lending, reading, management and statistics. */
export const libraryRoutes: RouteRecordRaw[] = [
  {
    path: "library",
    name: "library",
    component: () => import("@/views/modules/placeholder.vue"),
    props: { module: "library" },
    meta: { title: "menu.library", icon: "reading", permission: "library.use", order: 13 },
  },
];

import type { RouteRecordRaw } from "vue-router";

/** The staff directory: every signed-in user with the directory permission (the default staff role has it). */
export const directoryRoutes: RouteRecordRaw[] = [
  {
    path: "directory",
    name: "directory",
    component: () => import("@/views/directory/index.vue"),
    meta: { title: "menu.directory", icon: "user", permission: "org.directory.read", order: 5 },
  },
];

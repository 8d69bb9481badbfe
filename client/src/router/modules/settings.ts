import type { RouteRecordRaw } from "vue-router";

export const settingsRoutes: RouteRecordRaw[] = [
  {
    path: "settings",
    name: "settings",
    component: () => import("@/views/settings/system/index.vue"),
    meta: { title: "menu.settings", icon: "setting", permission: "settings.manage", order: 50 },
  },
];

import type { RouteRecordRaw } from "vue-router";

export const homeRoutes: RouteRecordRaw[] = [
  {
    path: "",
    name: "home",
    component: () => import("@/views/home/index.vue"),
    meta: { title: "menu.home", icon: "home", order: 0 },
  },
  {
    path: "profile",
    name: "profile",
    component: () => import("@/views/auth/profile/index.vue"),
    meta: { title: "menu.profile", hideInMenu: true },
  },
  {
    path: "403",
    name: "forbidden",
    component: () => import("@/views/exception/forbidden.vue"),
    meta: { title: "menu.forbidden", hideInMenu: true },
  },
];

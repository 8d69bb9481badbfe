import type { RouteRecordRaw } from "vue-router";

/** Pages outside the main layout. */
export const coreRoutes: RouteRecordRaw[] = [
  {
    path: "/login",
    name: "login",
    component: () => import("@/views/auth/login/index.vue"),
    meta: { title: "menu.login", public: true },
  },
  {
    path: "/change-password",
    name: "change-password",
    component: () => import("@/views/auth/change-password/index.vue"),
    meta: { title: "menu.changePassword" },
  },
  {
    path: "/:pathMatch(.*)*",
    name: "not-found",
    component: () => import("@/views/exception/not-found.vue"),
    meta: { title: "menu.notFound", public: true },
  },
];

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
  // A member of the public registers with the library (a patron account), then lands in it.
  {
    path: "/register",
    name: "register",
    component: () => import("@/views/auth/register/index.vue"),
    meta: { title: "library.patron.registerTitle", public: true, messages: true },
  },
  // 政府信息公开: the archive's public records, for everyone, without signing in.
  {
    path: "/open/archive",
    name: "archive-public",
    component: () => import("@/views/archive/search/public.vue"),
    meta: { title: "archive.publicTitle", public: true, messages: true },
  },
  {
    path: "/open/archive/records/:id",
    name: "archive-public-record",
    component: () => import("@/views/archive/record/public.vue"),
    meta: { title: "archive.publicTitle", public: true, messages: true },
  },
  {
    path: "/:pathMatch(.*)*",
    name: "not-found",
    component: () => import("@/views/exception/not-found.vue"),
    meta: { title: "menu.notFound", public: true },
  },
];

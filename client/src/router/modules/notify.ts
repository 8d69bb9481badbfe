import type { RouteRecordRaw } from "vue-router";

/** 通知中心: every signed-in person's own notifications; reached from the bell in the header, not the menu. */
export const notifyRoutes: RouteRecordRaw[] = [
  {
    path: "notifications",
    name: "notifications",
    component: () => import("@/views/notify/list.vue"),
    meta: { title: "notify.title", hideInMenu: true },
  },
];

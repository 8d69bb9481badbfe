import type { RouteRecordRaw } from "vue-router";

export const auditRoutes: RouteRecordRaw[] = [
  {
    path: "audit",
    name: "audit",
    component: () => import("@/views/audit/events/list.vue"),
    meta: { title: "menu.audit", icon: "tickets", permission: "audit.read", order: 40 },
  },
];

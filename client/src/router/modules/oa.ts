import type { RouteRecordRaw } from "vue-router";

/**
 * The OA module's pages. The 公文 entry itself is still the placeholder in
 * business.ts; its pages (待办, 已办, the document page…) join this list.
 */
export const oaRoutes: RouteRecordRaw[] = [
  {
    path: "oa/processes",
    name: "oa-processes",
    component: () => import("@/views/oa/processes/list.vue"),
    // Right after 公文 (order 10) in the menu.
    meta: { title: "oa.processes.title", icon: "tickets", permission: "oa.process.manage", order: 10.5 },
  },
  {
    path: "oa/processes/:id(\\d+)",
    name: "oa-process-designer",
    component: () => import("@/views/oa/processes/designer.vue"),
    props: (route) => ({ id: Number(route.params.id) }),
    meta: { title: "oa.designer.title", permission: "oa.process.manage", hideInMenu: true },
  },
];

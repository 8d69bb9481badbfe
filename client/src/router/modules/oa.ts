import type { RouteRecordRaw } from "vue-router";

const inbox = () => import("@/views/oa/inbox/list.vue");

/**
 * The OA module's pages: the 公文 section (its lists with their counts as menu
 * badges, 拟稿, 委托 and the document page that notifications link to) and the
 * process designer.
 */
export const oaRoutes: RouteRecordRaw[] = [
  {
    path: "oa",
    name: "oa",
    redirect: { name: "oa-todo" },
    meta: { title: "menu.oa", icon: "document", permission: "oa.use", order: 10, badge: "todo" },
    children: [
      {
        path: "todo",
        name: "oa-todo",
        component: inbox,
        props: { box: "todo" },
        meta: { title: "oa.menu.todo", badge: "todo", order: 1 },
      },
      {
        path: "to-read",
        name: "oa-to-read",
        component: inbox,
        props: { box: "toRead" },
        meta: { title: "oa.menu.toRead", badge: "toRead", order: 2 },
      },
      {
        path: "done",
        name: "oa-done",
        component: inbox,
        props: { box: "done" },
        meta: { title: "oa.menu.done", order: 3 },
      },
      {
        path: "drafts",
        name: "oa-drafts",
        component: inbox,
        props: { box: "drafts" },
        meta: { title: "oa.menu.drafts", badge: "drafts", order: 4 },
      },
      {
        path: "overdue",
        name: "oa-overdue",
        component: inbox,
        props: { box: "overdue" },
        meta: { title: "oa.menu.overdue", badge: "overdue", permission: "oa.supervise", order: 5 },
      },
      {
        path: "documents/new",
        name: "oa-document-new",
        component: () => import("@/views/oa/documents/new.vue"),
        meta: { title: "oa.menu.draft", order: 6 },
      },
      {
        path: "delegations",
        name: "oa-delegations",
        component: () => import("@/views/oa/delegations/list.vue"),
        meta: { title: "oa.menu.delegations", order: 7 },
      },
      {
        path: "documents/:id(\\d+)",
        name: "oa-document",
        component: () => import("@/views/oa/documents/detail.vue"),
        props: (route) => ({ id: Number(route.params.id) }),
        meta: { title: "oa.document.title", hideInMenu: true },
      },
    ],
  },
  {
    path: "oa/processes",
    name: "oa-processes",
    component: () => import("@/views/oa/processes/list.vue"),
    // Right after 公文 (order 10) in the menu.
    meta: { title: "oa.processes.title", icon: "tickets", permission: "oa.process.manage", order: 10.5 },
  },
  {
    path: "oa/number-codes",
    name: "oa-number-codes",
    component: () => import("@/views/oa/number-codes/list.vue"),
    meta: {
      title: "oa.numberCodes.title",
      icon: "tickets",
      permission: ["oa.process.manage", "oa.document.register"],
      order: 10.6,
    },
  },
  {
    path: "oa/processes/:id(\\d+)",
    name: "oa-process-designer",
    component: () => import("@/views/oa/processes/designer.vue"),
    props: (route) => ({ id: Number(route.params.id) }),
    meta: { title: "oa.designer.title", permission: "oa.process.manage", hideInMenu: true },
  },
];

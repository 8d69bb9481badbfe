import type { RouteRecordRaw } from "vue-router";

/** The mailbox and the archive (公文 is in oa.ts, the library in library.ts). */
export const businessRoutes: RouteRecordRaw[] = [
  {
    // Webmail: where the reader is (mailbox, folder, page, search, message) is in the query, so back and reload keep it.
    path: "mail",
    name: "mail",
    component: () => import("@/views/mail/index.vue"),
    meta: { title: "menu.mail", icon: "message", permission: "mail.use", order: 11 },
  },
  {
    // Writing: ?mailboxId= (and replyTo|replyAll|forward=<message id>, or draft=<draft id>).
    path: "mail/compose",
    name: "mail-compose",
    component: () => import("@/views/mail/compose/index.vue"),
    meta: { title: "mailCompose.title.new", permission: "mail.use", hideInMenu: true },
  },
  {
    path: "mail/admin",
    name: "mail-admin",
    component: () => import("@/views/mail/admin/index.vue"),
    // Mail administrators, and the mail administrators of units (who see their units' mailboxes only).
    meta: { title: "mailAdmin.title", icon: "message", permission: ["mail.admin", "mail.unit.manage"], order: 11.5 },
  },
  {
    path: "archive",
    name: "archive",
    component: () => import("@/views/archive/search/index.vue"),
    meta: { title: "menu.archive", icon: "files", permission: ["archive.use", "archive.record.manage"], order: 12 },
  },
  {
    path: "archive/imports",
    name: "archive-imports",
    component: () => import("@/views/archive/imports/list.vue"),
    meta: { title: "archive.imports.title", icon: "files", permission: "archive.record.manage", order: 14 },
  },
  {
    path: "archive/records/:id",
    name: "archive-record",
    component: () => import("@/views/archive/record/index.vue"),
    meta: { title: "menu.archive", permission: ["archive.use", "archive.record.manage"], hideInMenu: true },
  },
];

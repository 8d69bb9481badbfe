import type { RouteRecordRaw } from "vue-router";

export const orgRoutes: RouteRecordRaw[] = [
  {
    path: "org",
    name: "org",
    redirect: { name: "org-users" },
    meta: { title: "menu.org", icon: "office", permission: ["org.unit.manage", "org.user.read"], order: 20 },
    children: [
      {
        path: "units",
        name: "org-units",
        component: () => import("@/views/org/units/list.vue"),
        meta: { title: "menu.orgUnits", permission: "org.unit.manage" },
      },
      {
        path: "users",
        name: "org-users",
        component: () => import("@/views/org/users/list.vue"),
        meta: { title: "menu.orgUsers", permission: "org.user.read" },
      },
      {
        path: "users/import",
        name: "org-users-import",
        component: () => import("@/views/org/users/import.vue"),
        meta: { title: "menu.orgImport", permission: "org.user.import", hideInMenu: true },
      },
    ],
  },
];

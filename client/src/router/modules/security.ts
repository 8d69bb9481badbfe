import type { RouteRecordRaw } from "vue-router";

export const securityRoutes: RouteRecordRaw[] = [
  {
    path: "security",
    name: "security",
    redirect: { name: "security-grants" },
    meta: {
      title: "menu.security",
      icon: "lock",
      permission: ["security.role.manage", "security.role.assign", "security.policy.manage"],
      order: 30,
    },
    children: [
      {
        // Where people get their roles: the security administrator cannot open the users page.
        path: "grants",
        name: "security-grants",
        component: () => import("@/views/security/grants/list.vue"),
        meta: { title: "menu.grants", permission: "security.role.assign" },
      },
      {
        path: "roles",
        name: "security-roles",
        component: () => import("@/views/security/roles/list.vue"),
        meta: { title: "menu.roles", permission: ["security.role.manage", "security.role.assign"] },
      },
      {
        path: "policy",
        name: "security-policy",
        component: () => import("@/views/security/policy/index.vue"),
        meta: { title: "menu.policy", permission: "security.policy.manage" },
      },
    ],
  },
];

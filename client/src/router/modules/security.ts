import type { RouteRecordRaw } from "vue-router";

export const securityRoutes: RouteRecordRaw[] = [
  {
    path: "security",
    name: "security",
    redirect: { name: "security-roles" },
    meta: {
      title: "menu.security",
      icon: "lock",
      permission: ["security.role.manage", "security.role.assign", "security.policy.manage"],
      order: 30,
    },
    children: [
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

import type { RouteRecordRaw } from "vue-router";
import { auditRoutes } from "./modules/audit";
import { businessRoutes } from "./modules/business";
import { coreRoutes } from "./modules/core";
import { directoryRoutes } from "./modules/directory";
import { homeRoutes } from "./modules/home";
import { libraryPublicRoutes, libraryReaderRoutes, libraryRoutes } from "./modules/library";
import { notifyRoutes } from "./modules/notify";
import { oaRoutes } from "./modules/oa";
import { orgRoutes } from "./modules/org";
import { securityRoutes } from "./modules/security";
import { settingsRoutes } from "./modules/settings";

/** Everything inside the main layout; the sidebar menu is built from these. */
export const layoutChildren: RouteRecordRaw[] = [
  ...homeRoutes,
  ...notifyRoutes,
  ...directoryRoutes,
  ...businessRoutes,
  ...libraryRoutes,
  ...oaRoutes,
  ...orgRoutes,
  ...securityRoutes,
  ...auditRoutes,
  ...settingsRoutes,
];

export const routes: RouteRecordRaw[] = [
  {
    path: "/",
    component: () => import("@/layouts/basic-layout.vue"),
    children: layoutChildren,
  },
  ...libraryPublicRoutes,
  ...libraryReaderRoutes,
  ...coreRoutes,
];

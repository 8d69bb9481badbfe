import { createRouter, createWebHistory, type RouteLocationNormalized } from "vue-router";
import { t } from "@/locales";
import { useAuthStore } from "@/stores/auth";
import { useSiteStore } from "@/stores/site";
import { routes } from "./routes";
import "./types";

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
});

/** Only same-site paths are honoured as a post-login redirect. */
export function safeRedirect(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//")) return "/";
  return value;
}

router.beforeEach(async (to) => {
  const auth = useAuthStore();
  if (!auth.loaded) await auth.load().catch(() => null);

  if (to.meta.public) {
    if (to.name === "login" && auth.signedIn) return safeRedirect(to.query.redirect);
    return true;
  }
  if (!auth.signedIn) {
    // The library's catalogue is open to everyone: a visitor with a link to it browses the public copy.
    const open = to.path.startsWith("/library") ? router.resolve(`/open${to.fullPath}`) : null;
    if (open?.meta.public && open.name !== "not-found") return open.fullPath;
    return { name: "login", query: to.fullPath === "/" ? {} : { redirect: to.fullPath } };
  }
  if (auth.mustChangePassword && to.name !== "change-password") return { name: "change-password" };

  // A patron of the public library has no staff home: their start page is the library.
  if (to.name === "home" && auth.can("library.use") && !auth.can("org.directory.read")) return { name: "library" };
  // A child route is guarded by its own meta and by every parent's.
  for (const record of to.matched) {
    const required = record.meta.permission;
    if (required && !auth.can(required)) return { name: "forbidden" };
  }
  return true;
});

export function updateDocumentTitle(route: RouteLocationNormalized = router.currentRoute.value): void {
  const app = useSiteStore().name;
  document.title = route.meta.title ? `${t(route.meta.title)} - ${app}` : app;
}

router.afterEach((to) => updateDocumentTitle(to));

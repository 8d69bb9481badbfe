import { computed } from "vue";
import type { RouteMeta, RouteRecordRaw } from "vue-router";
import { layoutChildren } from "@/router/routes";
import type { MenuIcon } from "@/router/types";
import { useAuthStore } from "@/stores/auth";

export interface MenuItem {
  name: string;
  path: string;
  title: string;
  icon?: MenuIcon;
  /** The OA list whose total shows beside the entry. */
  badge?: RouteMeta["badge"];
  children: MenuItem[];
}

function joinPath(base: string, path: string): string {
  const joined = `${base}/${path}`.replace(/\/+/g, "/");
  return joined.length > 1 ? joined.replace(/\/$/, "") : joined;
}

/** The sidebar, derived from the route modules and filtered by the user's permissions. */
export function useMenu() {
  const auth = useAuthStore();

  function build(records: RouteRecordRaw[], base: string): MenuItem[] {
    const visible = records
      .filter((r) => !r.meta?.hideInMenu && typeof r.name === "string" && r.meta?.title)
      .filter((r) => !r.meta?.permission || auth.can(r.meta.permission))
      .sort((a, b) => (a.meta?.order ?? 0) - (b.meta?.order ?? 0));
    const items: MenuItem[] = [];
    for (const r of visible) {
      const path = joinPath(base, r.path);
      const children = r.children ? build(r.children, path) : [];
      // A group whose every entry is hidden from this user is left out altogether.
      if (r.children && children.length === 0) continue;
      items.push({
        name: String(r.name),
        path,
        title: r.meta?.title ?? "",
        icon: r.meta?.icon,
        badge: r.meta?.badge,
        children,
      });
    }
    return items;
  }

  return computed(() => build(layoutChildren, "/"));
}

import "vue-router";

export type MenuIcon =
  "home" | "document" | "message" | "files" | "reading" | "office" | "user" | "lock" | "tickets" | "setting";

declare module "vue-router" {
  interface RouteMeta {
    /** i18n key of the page title (menu entry and document title). */
    title?: string;
    /** Shown to users holding this permission, or any one of these. */
    permission?: string | string[];
    /** Reachable without a session. */
    public?: boolean;
    /** A public page that needs the language's full texts (not only the sign-in ones). */
    messages?: boolean;
    icon?: MenuIcon;
    hideInMenu?: boolean;
    /** Menu position among siblings. */
    order?: number;
    /** The OA list whose total the menu entry shows as a badge (stores/oa-counts.ts). */
    badge?: "todo" | "toRead" | "drafts" | "overdue";
  }
}

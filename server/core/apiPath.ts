import type { Next } from "koa";
import type { AppContext } from "./context.js";
import { notFound } from "./errors.js";

/**
 * The path as a lenient reader would see it: percent-escapes decoded (a few
 * times, for double encoding), backslashes read as slashes, runs of slashes
 * collapsed and upper case folded. Routers, proxies and frameworks differ in
 * which of these they apply, so security checks classify by this form.
 */
function lenientPath(path: string): string {
  let p = path;
  for (let i = 0; i < 3; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(p);
    } catch {
      break;
    }
    if (decoded === p) break;
    p = decoded;
  }
  return p
    .replace(/\\/g, "/")
    .replace(/\/{2,}/g, "/")
    .toLowerCase();
}

/** Whether any reader could take this path for the API (`/API/`, `/%61pi/`, `//api/`, …). */
export function isApiPath(path: string): boolean {
  const p = lenientPath(path);
  return p === "/api" || p.startsWith("/api/");
}

/**
 * The one spelling the routers answer: a literal lower-case `/api/` prefix, no
 * empty, `.` or `..` segments, no trailing slash, no encoded slash or
 * backslash. Percent-escapes elsewhere (in an id) are left to the schemas.
 */
export function isCanonicalApiPath(path: string): boolean {
  if (!path.startsWith("/api/") || path.endsWith("/")) return false;
  if (/%(2f|5c)|\\/i.test(path)) return false;
  return path
    .slice(1)
    .split("/")
    .every((segment) => segment !== "" && !/^(\.|%2e){1,2}$/i.test(segment));
}

/**
 * Refuses API paths in any other spelling with 404 before CSRF, the forced
 * password change or a route sees them, so every check and the router agree on
 * what a path is. Runs after authentication so that a refused request by one of
 * the 三员 is still audited under their name.
 */
export async function canonicalApiPath(ctx: AppContext, next: Next): Promise<void> {
  if (isApiPath(ctx.path) && !isCanonicalApiPath(ctx.path)) throw notFound("Route");
  await next();
}

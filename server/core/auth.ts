import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Next } from "koa";
import type { AppContext } from "./context.js";
import { forbidden, unauthenticated } from "./errors.js";
import { Actor } from "./actor.js";
import { isApiPath } from "./apiPath.js";
import { resumeSession } from "../org/services/sessions.js";

export const SESSION_COOKIE = "yo_sid";
export const CSRF_COOKIE = "yo_csrf";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Loads the session and actor, if any; routes decide whether one is required. */
export async function authenticate(ctx: AppContext, next: Next): Promise<void> {
  const token = ctx.cookies.get(SESSION_COOKIE);
  if (token) {
    // One statement: session, user, assignments and the policy (see resumeSession).
    const found = await resumeSession(token);
    if (found.status === "valid") {
      ctx.state.session = found.session;
      ctx.state.actor = new Actor(found.user, found.grants);
    } else {
      ctx.cookies.set(SESSION_COOKIE, null);
      if (found.status === "expired" && isApiPath(ctx.path) && ctx.path !== "/api/auth/login") {
        throw unauthenticated("session_expired", "Your session has expired; sign in again");
      }
    }
  }
  await next();
}

// The site name is public anyway; the change-password page shows it like the login page.
const PASSWORD_CHANGE_ALLOWED = new Set([
  "/api/auth/me",
  "/api/auth/password",
  "/api/auth/logout",
  "/api/auth/csrf",
  "/api/settings/site",
]);

/** Until the initial password is changed, nothing else may be done with the account. */
export async function requirePasswordChange(ctx: AppContext, next: Next): Promise<void> {
  const actor = ctx.state.actor;
  // The SPA's own files must load so the user can reach the change form; the API
  // in any spelling, and any state change whatever its path, is gated.
  const gated = isApiPath(ctx.path) || !SAFE_METHODS.has(ctx.method);
  if (actor?.user.mustChangePassword && gated && !PASSWORD_CHANGE_ALLOWED.has(ctx.path)) {
    throw forbidden("Change your initial password first", "password_change_required");
  }
  await next();
}

/**
 * Double-submit CSRF check: the token lives in a cookie that only this
 * origin's scripts can read and must come back in a header. Cross-site forms
 * can send the cookie but cannot read it to set the header.
 */
export function csrfProtection(secureCookies: boolean) {
  return async function checkCsrf(ctx: AppContext, next: Next): Promise<void> {
    let token = ctx.cookies.get(CSRF_COOKIE);
    if (!token) {
      token = randomBytes(24).toString("base64url");
      ctx.cookies.set(CSRF_COOKIE, token, {
        httpOnly: false,
        sameSite: "strict",
        secure: secureCookies,
        overwrite: true,
      });
    }
    ctx.state.csrfToken = token;
    // Every state change is checked, whatever its path: only the API accepts them anyway.
    if (!SAFE_METHODS.has(ctx.method)) {
      const sent = ctx.get("x-csrf-token");
      const ok = sent.length === token.length && timingSafeEqual(Buffer.from(sent), Buffer.from(token));
      if (!ok || !ctx.cookies.get(CSRF_COOKIE)) {
        throw forbidden("Missing or wrong CSRF token; reload the page", "csrf_failed");
      }
    }
    await next();
  };
}

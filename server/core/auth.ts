import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
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
 * CSRF check: the token lives in a cookie that only this origin's scripts can
 * read and must come back in a header; cross-site forms can send the cookie
 * but cannot read it to set the header. Signed in, the token is derived from
 * the session (sessionCsrfToken), so it is renewed at every sign-in and one
 * stolen from another session is worthless. Runs after authentication so a
 * refusal names the user.
 */
export function csrfProtection(secureCookies: boolean) {
  const setToken = (ctx: AppContext, token: string) => {
    ctx.cookies.set(CSRF_COOKIE, token, {
      httpOnly: false,
      sameSite: "strict",
      secure: secureCookies,
      overwrite: true,
    });
    ctx.state.csrfToken = token;
  };
  return async function checkCsrf(ctx: AppContext, next: Next): Promise<void> {
    const cookie = ctx.cookies.get(CSRF_COOKIE);
    const sessionToken = ctx.state.session ? ctx.cookies.get(SESSION_COOKIE) : undefined;
    // Signed in: the token is bound to this session. Signed out: a random one per browser protects the login form.
    const token = sessionToken ? sessionCsrfToken(sessionToken) : (cookie ?? newCsrfToken());
    if (token !== cookie) setToken(ctx, token);
    else ctx.state.csrfToken = token;
    // Every state change is checked, whatever its path: only the API accepts them anyway.
    if (!SAFE_METHODS.has(ctx.method)) {
      const sent = ctx.get("x-csrf-token");
      const ok = sent.length === token.length && timingSafeEqual(Buffer.from(sent), Buffer.from(token));
      if (!ok || !cookie) throw forbidden("Missing or wrong CSRF token; reload the page", "csrf_failed");
    }
    try {
      await next();
    } finally {
      // A session that begins or ends here (sign-in, sign-out, lockout) gets a fresh token with it.
      const changed = sessionCookieSet(ctx);
      if (changed !== undefined) setToken(ctx, changed ? sessionCsrfToken(changed) : newCsrfToken());
    }
  };
}

const newCsrfToken = () => randomBytes(24).toString("base64url");

/**
 * The CSRF token of a session: an HMAC keyed with the session's cookie token,
 * which only this browser holds (the database keeps its hash). It changes with
 * every session and is worthless with any other.
 */
export function sessionCsrfToken(sessionToken: string): string {
  return createHmac("sha256", sessionToken).update("yong csrf").digest("base64url");
}

/**
 * The session cookie this response sets: its new token, null when it clears
 * it, undefined when it leaves it alone. Read from the response headers, so
 * every route that signs someone in or out is covered without knowing of CSRF.
 */
function sessionCookieSet(ctx: AppContext): string | null | undefined {
  const header: unknown = ctx.response.headers["set-cookie"];
  const lines = Array.isArray(header) ? header.map(String) : typeof header === "string" ? [header] : [];
  let found: string | null | undefined;
  for (const line of lines) {
    if (!line.startsWith(`${SESSION_COOKIE}=`)) continue;
    const value = line.slice(SESSION_COOKIE.length + 1).split(";")[0] ?? "";
    found = value === "" ? null : value;
  }
  return found;
}

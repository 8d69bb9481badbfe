import type { Next } from "koa";
import { loadActor } from "../../../core/actor.js";
import type { AppContext } from "../../../core/context.js";
import { AppError, forbidden, unauthenticated } from "../../../core/errors.js";
import { rateLimited } from "../../../core/rateLimit.js";
import { BasicAuthenticator, basicCredentials } from "../../services/basicAuth.js";
import { opdsPolicy } from "../../policies/opds.js";

/** The realm reader apps show when they ask for the name and password (ASCII: a header carries no other text). */
export const OPDS_REALM = "Yong Office e-library";

/** The OPDS catalogue: Basic credentials only (a reader app has no session; a GET here may borrow). */
const OPDS_PATH = /^\/api\/library\/opds(\/|$)/;
/** A title's file (routes/reading), which OPDS acquisition links point at: Basic is accepted beside a session. */
const FILE_CONTENT_PATH = /^\/api\/library\/titles\/\d+\/files\/\d+\/content$/;

const authenticators = new WeakMap<object, BasicAuthenticator>();
const byBasic = new WeakSet<AppContext>();

/** Whether this request's actor signed in with Basic credentials (not a session cookie). */
export function signedInByBasic(ctx: AppContext): boolean {
  return byBasic.has(ctx);
}

function challenge(ctx: AppContext, error: AppError): AppError {
  ctx.set("WWW-Authenticate", `Basic realm="${OPDS_REALM}", charset="UTF-8"`);
  return error;
}

/**
 * HTTP Basic for reader apps (OPDS 1.2 §11: the catalogue's own authentication
 * is HTTP's), over the same accounts, lockout and rate limits as the web
 * sign-in (services/basicAuth.ts), audited as the SMTP sign-in is: failures
 * as library.opds_auth, lockouts as auth.lockout (via opds).
 *
 * It sets the request's actor for the OPDS routes, which require it (401 with
 * a challenge otherwise), and for a title's file content, where it is one way
 * among others (the reader in the browser has its session; open access needs
 * none). Mounted once in app.ts after the session's authentication; other
 * paths pass through untouched.
 */
export async function libraryBasicAuth(ctx: AppContext, next: Next): Promise<void> {
  const opds = OPDS_PATH.test(ctx.path);
  if (!opds && !FILE_CONTENT_PATH.test(ctx.path)) return next();
  const credentials = basicCredentials(ctx.get("authorization") || undefined);
  if (!credentials) {
    if (opds)
      throw challenge(ctx, unauthenticated("unauthenticated", "Sign in with your library account (HTTP Basic)"));
    return next();
  }
  const { env, sequelize } = ctx.services;
  let authenticator = authenticators.get(sequelize);
  if (!authenticator) {
    authenticator = new BasicAuthenticator(
      sequelize,
      {
        perIp: env.LOGIN_LIMIT_PER_IP,
        perAccount: env.LOGIN_LIMIT_PER_ACCOUNT,
        windowSeconds: env.LOGIN_LIMIT_WINDOW_SECONDS,
      },
      env.PASSWORD_HASH_MEMORY_KIB,
    );
    authenticators.set(sequelize, authenticator);
  }
  const outcome = await authenticator.authenticate(ctx.ip, credentials.username, credentials.password);
  if (!outcome.ok) {
    if (outcome.reason === "throttled") {
      // Counted, not audited row by row, as the web's sign-in does.
      ctx.set("Retry-After", String(outcome.waitSeconds));
      throw challenge(ctx, rateLimited(outcome.waitSeconds));
    }
    const who = { actorId: outcome.user?.id ?? null, actorName: outcome.user?.username ?? credentials.username };
    // A right password of an account with a second factor: Basic cannot carry the code, so it is no failure.
    if (outcome.reason === "totp_required")
      throw forbidden("Accounts with a second factor cannot sign in to reader apps", "library_opds_second_factor");
    await ctx.audit({
      ...who,
      action: "library.opds_auth",
      outcome: "failure",
      targetType: "user",
      targetId: outcome.user?.id ?? null,
      detail: { username: credentials.username, reason: outcome.reason },
    });
    if (outcome.lockedNow)
      await ctx.audit({
        ...who,
        action: "auth.lockout",
        outcome: "success",
        targetType: "user",
        targetId: outcome.user?.id ?? null,
        detail: { minutes: outcome.lockoutMinutes, via: "opds" },
      });
    // The same answer for an unknown name, a wrong password and a locked account (loginAgent.ts).
    throw challenge(ctx, new AppError(401, "invalid_credentials", "Wrong username or password"));
  }
  const actor = await loadActor(outcome.user);
  // An issued password is for changing in the web first; the library is for those given it.
  if (outcome.user.mustChangePassword)
    throw forbidden("Change your initial password first", "password_change_required");
  if (!opdsPolicy.use(actor)) throw forbidden("This account may not use the library");
  ctx.state.actor = actor;
  byBasic.add(ctx);
  await next();
}

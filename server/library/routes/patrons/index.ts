import Router from "@koa/router";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { badRequest } from "../../../core/errors.js";
import { consumeAll, rateLimited, sqlRateLimiter } from "../../../core/rateLimit.js";
import { parseRequest } from "../../../core/validate.js";
import { checkPasswordPolicy, hashPassword } from "../../../org/services/passwords.js";
import { readSecurityPolicy } from "../../../org/services/settings.js";
import { recordUsage } from "../../../stats/services/usage.js";
import { parsePatronLogin, registerPatron } from "../../services/patrons.js";
import { PatronRegisterSchema } from "./schema.js";

/** Self-registration of public patrons (公众读者). */
export function libraryPatronsRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/library", sensitive: true, strict: true });
  let signups: Promise<RateLimiterAbstract> | undefined;

  // Public: a member of the public makes their own account. CSRF-checked like the sign-in form
  // (the SPA fetches /api/auth/csrf first); then the SPA signs in through /api/auth/login.
  router.post("/patrons", async (ctx: AppContext) => {
    const { body } = parseRequest(ctx, PatronRegisterSchema);
    const login = parsePatronLogin(body.login);
    if (!login) throw badRequest("library_patron_login_invalid", "Give an e-mail address or a mobile phone number");
    const policy = await readSecurityPolicy();
    const broken = checkPasswordPolicy(body.password, login.value, policy.minPasswordLength);
    if (broken.length) {
      throw badRequest("weak_password", "The password does not meet the password policy", {
        rules: broken,
        minLength: policy.minPasswordLength,
      });
    }
    const { sequelize, env } = ctx.services;
    // Counted once the request is well formed, before the hash: each sign-up costs one, and floods stop here.
    signups ??= sqlRateLimiter(sequelize, {
      keyPrefix: "library_signup_ip",
      points: env.LIBRARY_SIGNUP_LIMIT_PER_IP,
      duration: env.LIBRARY_SIGNUP_WINDOW_SECONDS,
    });
    const waitSeconds = await consumeAll([[await signups, ctx.ip]]);
    if (waitSeconds !== null) {
      ctx.set("Retry-After", String(waitSeconds));
      throw rateLimited(waitSeconds);
    }
    const passwordHash = await hashPassword(body.password, env.PASSWORD_HASH_MEMORY_KIB);
    const user = await sequelize.transaction(async (t) => {
      const created = await registerPatron({ login, displayName: body.displayName, passwordHash }, t);
      await ctx.audit(
        {
          actorId: created.id,
          actorName: created.username,
          action: "library.patron.register",
          outcome: "success",
          targetType: "user",
          targetId: created.id,
          detail: { login: login.kind },
        },
        t,
      );
      await recordUsage({ kind: "library.register", userId: created.id }, t);
      return created;
    });
    ctx.status = 201;
    ctx.body = { patron: { id: user.id, login: user.username, displayName: user.displayName, loginKind: login.kind } };
  });

  return router;
}

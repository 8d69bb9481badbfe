import Router from "@koa/router";
import type { AppContext, AppState, AppContextExtras } from "../../../core/context.js";
import { AppError, badRequest } from "../../../core/errors.js";
import { parseRequest } from "../../../core/validate.js";
import { actorOf } from "../../../core/policy.js";
import { SESSION_COOKIE } from "../../../core/auth.js";
import { loadActor, type Actor } from "../../../core/actor.js";
import { Session, User } from "../../models/index.js";
import { findUserOr404 } from "../../services/users.js";
import { attemptLogin, confirmPassword } from "../../services/loginAgent.js";
import { LoginThrottle } from "../../services/loginThrottle.js";
import { rateLimited } from "../../../core/rateLimit.js";
import { endOtherSessions, endSession, openSession } from "../../services/sessions.js";
import { readSecurityPolicy } from "../../services/settings.js";
import { checkPasswordPolicy, hashPassword } from "../../services/passwords.js";
import type { SecurityPolicy } from "../../services/settings.js";
import { matchTotp, newRecoveryCodes, newTotpSecret, totpEnrolment, useTotp } from "../../services/totp.js";
import { presentUser } from "../../presenters/user.js";
import { ChangePasswordSchema, LoginSchema, TotpDisableSchema, TotpEnableSchema } from "./schema.js";

async function presentMe(actor: Actor) {
  // Authentication loaded the user with unit, department and position for this request; a fresh sign-in did not.
  const current = actor.user.unit ? actor.user : await findUserOr404(actor.id);
  const policy = await readSecurityPolicy();
  return {
    user: presentUser(current, actor.grants, actor),
    permissions: actor.permissionCodes(),
    adminKind: actor.adminKind,
    mustChangePassword: current.mustChangePassword,
    totpEnabled: current.totpEnabled,
    idleTimeoutMinutes: policy.idleTimeoutMinutes,
    passwordPolicy: { minLength: policy.minPasswordLength },
  };
}

/**
 * Checks the password a signed-in user confirms a sensitive change with (password
 * change, TOTP off) against the sign-in failure budget. A wrong password is audited
 * under `action` and refused with 400; one that locks the account also ends every
 * session and answers 401 account_locked.
 */
async function requireCurrentPassword(
  ctx: AppContext,
  user: User,
  password: string,
  action: string,
  policy: SecurityPolicy,
): Promise<void> {
  const check = await confirmPassword(ctx.services.sequelize, user, password, policy);
  if (check.outcome === "ok") return;
  await ctx.audit({
    action,
    outcome: "failure",
    targetType: "user",
    targetId: user.id,
    detail: { reason: check.outcome === "wrong" ? "wrong_password" : "account_locked" },
  });
  if (check.outcome === "wrong") throw badRequest("wrong_password", "The current password is wrong");
  if (check.lockedNow) {
    await ctx.audit({
      action: "auth.lockout",
      outcome: "success",
      targetType: "user",
      targetId: user.id,
      detail: { minutes: policy.lockoutMinutes },
    });
  }
  await endOtherSessions(user.id);
  ctx.cookies.set(SESSION_COOKIE, null);
  throw new AppError(401, "account_locked", "Too many wrong passwords: the account is locked for a while");
}

export function authRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/auth", sensitive: true, strict: true });

  // Public: hands the SPA its CSRF token (the cookie is set by the CSRF middleware).
  router.get("/csrf", (ctx: AppContext) => {
    ctx.body = { token: ctx.state.csrfToken };
  });

  let throttle: LoginThrottle | undefined;

  // Public: signing in is what makes a caller known.
  router.post("/login", async (ctx: AppContext) => {
    const { body } = parseRequest(ctx, LoginSchema);
    const { sequelize, env, metrics } = ctx.services;
    throttle ??= new LoginThrottle(sequelize, {
      perIp: env.LOGIN_LIMIT_PER_IP,
      perAccount: env.LOGIN_LIMIT_PER_ACCOUNT,
      windowSeconds: env.LOGIN_LIMIT_WINDOW_SECONDS,
    });
    const waitSeconds = await throttle.attempt(ctx.ip, body.username);
    if (waitSeconds !== null) {
      // Counted, not audited row by row: a flood must not become a flood of audit events.
      metrics.loginAttempts.inc({ outcome: "rate_limited" });
      ctx.set("Retry-After", String(waitSeconds));
      throw rateLimited(waitSeconds);
    }
    const policy = await readSecurityPolicy();
    const result = await attemptLogin(sequelize, body, policy, env.PASSWORD_HASH_MEMORY_KIB);
    const actorFields = { actorId: result.user?.id ?? null, actorName: result.user?.username ?? body.username };
    if (!result.ok) {
      metrics.loginAttempts.inc({ outcome: result.reason });
      if (result.reason !== "totp_required") {
        await ctx.audit({
          ...actorFields,
          action: "auth.login",
          outcome: "failure",
          targetType: "user",
          targetId: result.user?.id ?? null,
          detail: { username: body.username, reason: result.reason },
        });
      }
      if (result.lockedNow) {
        await ctx.audit({
          ...actorFields,
          action: "auth.lockout",
          outcome: "success",
          targetType: "user",
          targetId: result.user?.id ?? null,
          detail: { minutes: policy.lockoutMinutes },
        });
      }
      throw result.error;
    }
    metrics.loginAttempts.inc({ outcome: "success" });
    // One browser, one signed-in user: the session this browser held until now
    // (perhaps someone else's) ends rather than live on beside the new one.
    const earlier = ctx.state.session;
    if (earlier) {
      await endSession(earlier.id);
      await ctx.audit({
        action: "auth.logout",
        outcome: "success",
        targetType: "user",
        targetId: earlier.userId,
        detail: { reason: "signed_in_again" },
      });
    }
    const { token, session } = await openSession({
      userId: result.user.id,
      ip: ctx.ip,
      userAgent: ctx.get("user-agent") || null,
      policy,
    });
    ctx.state.session = session;
    ctx.cookies.set(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "lax",
      secure: env.COOKIE_SECURE,
      overwrite: true,
    });
    const actor = await loadActor(result.user);
    ctx.state.actor = actor;
    await ctx.audit({
      action: "auth.login",
      outcome: "success",
      targetType: "user",
      targetId: actor.id,
      detail: result.usedRecoveryCode ? { recoveryCode: true } : null,
    });
    ctx.body = await presentMe(actor);
  });

  router.post("/logout", async (ctx: AppContext) => {
    const session = ctx.state.session;
    if (session) {
      await endSession(session.id);
      await ctx.audit({ action: "auth.logout", outcome: "success", targetType: "user", targetId: session.userId });
    }
    ctx.cookies.set(SESSION_COOKIE, null);
    ctx.status = 204;
  });

  router.get("/me", async (ctx: AppContext) => {
    ctx.body = await presentMe(actorOf(ctx));
  });

  router.post("/password", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const { body } = parseRequest(ctx, ChangePasswordSchema);
    const { sequelize, env } = ctx.services;
    const user = await User.findByPk(actor.id);
    if (!user) throw new AppError(401, "unauthenticated", "Sign in first");
    const policy = await readSecurityPolicy();
    await requireCurrentPassword(ctx, user, body.currentPassword, "auth.password.change", policy);
    const broken = checkPasswordPolicy(body.newPassword, user.username, policy.minPasswordLength);
    if (body.newPassword === body.currentPassword) broken.push("reuse");
    if (broken.length) {
      throw badRequest("weak_password", "The new password does not meet the password policy", {
        rules: broken,
        minLength: policy.minPasswordLength,
      });
    }
    const passwordHash = await hashPassword(body.newPassword, env.PASSWORD_HASH_MEMORY_KIB);
    await sequelize.transaction(async (transaction) => {
      await User.update(
        { passwordHash, mustChangePassword: false, passwordChangedAt: new Date() },
        { where: { id: user.id }, transaction },
      );
      await ctx.audit(
        { action: "auth.password.change", outcome: "success", targetType: "user", targetId: user.id },
        transaction,
      );
    });
    await endOtherSessions(user.id, ctx.state.session?.id);
    ctx.status = 204;
  });

  router.post("/totp/setup", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    if (actor.user.totpEnabled) throw badRequest("totp_already_enabled", "Two-factor sign-in is already on");
    const secret = newTotpSecret();
    await User.update({ totpSecret: secret }, { where: { id: actor.id } });
    const enrolment = await totpEnrolment(secret, actor.user.username);
    ctx.body = { secret, ...enrolment };
  });

  router.post("/totp/enable", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const { body } = parseRequest(ctx, TotpEnableSchema);
    const user = await User.findByPk(actor.id);
    if (!user?.totpSecret) throw badRequest("totp_not_set_up", "Start the set-up first");
    if (user.totpEnabled) throw badRequest("totp_already_enabled", "Two-factor sign-in is already on");
    const secret = user.totpSecret;
    const wrongCode = () => badRequest("invalid_totp", "The code is wrong or expired");
    if (matchTotp(secret, body.code) === null) throw wrongCode();
    const recovery = await newRecoveryCodes(ctx.services.env.PASSWORD_HASH_MEMORY_KIB);
    await ctx.services.sequelize.transaction(async (transaction) => {
      // The code that turns TOTP on is spent: it cannot sign in afterwards.
      if (!(await useTotp(user.id, secret, body.code, transaction))) throw wrongCode();
      await User.update({ totpEnabled: true, recoveryCodes: recovery.stored }, { where: { id: user.id }, transaction });
      await ctx.audit(
        { action: "auth.totp.enable", outcome: "success", targetType: "user", targetId: user.id },
        transaction,
      );
    });
    ctx.body = { recoveryCodes: recovery.codes };
  });

  router.post("/totp/disable", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const { body } = parseRequest(ctx, TotpDisableSchema);
    const user = await User.findByPk(actor.id);
    if (!user) throw new AppError(401, "unauthenticated", "Sign in first");
    const policy = await readSecurityPolicy();
    await requireCurrentPassword(ctx, user, body.password, "auth.totp.disable", policy);
    await ctx.services.sequelize.transaction(async (transaction) => {
      await User.update(
        { totpEnabled: false, totpSecret: null, recoveryCodes: null },
        { where: { id: user.id }, transaction },
      );
      await ctx.audit(
        { action: "auth.totp.disable", outcome: "success", targetType: "user", targetId: user.id },
        transaction,
      );
    });
    ctx.status = 204;
  });

  router.get("/sessions", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const sessions = await Session.findAll({ where: { userId: actor.id }, order: [["lastSeenAt", "DESC"]] });
    ctx.body = {
      items: sessions.map((s) => ({
        // The public id is a prefix of the stored hash; never the cookie token.
        id: s.id.slice(0, 12),
        ip: s.ip,
        userAgent: s.userAgent,
        createdAt: s.createdAt.toISOString(),
        lastSeenAt: s.lastSeenAt.toISOString(),
        current: s.id === ctx.state.session?.id,
      })),
    };
  });

  return router;
}

/**
 * Break-glass password reset for someone with access to the server itself:
 *
 *   npm run admin:reset-password -- <username> [--enable]
 *
 * Prints a new one-time password (to be changed at the next sign-in), lifts a
 * lockout and the username's sign-in rate limit, ends the user's sessions and
 * writes an audit event whose actor is "cli:<operating-system user>". It is the
 * only way to reset a 三员 account: the web routes refuse to touch them (see
 * isProtectedAccount). `--enable` also re-enables a disabled account.
 */
import { hostname } from "node:os";
import { operatorName } from "./operator.js";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { Sequelize } from "sequelize";
import { env } from "../env.js";
import { createLogger } from "../core/logger.js";
import { prepareDatabase } from "../server.js";
import { recordAuditEvent } from "../audit/services/auditChain.js";
import { User } from "../org/models/index.js";
import { newOneTimePassword, setOneTimePassword } from "../org/services/passwordReset.js";
import { endOtherSessions } from "../org/services/sessions.js";
import { LoginThrottle, type LoginLimits } from "../org/services/loginThrottle.js";

export class UnknownUserError extends Error {}

export { operatorName };

export async function adminResetPassword(
  sequelize: Sequelize,
  props: { username: string; operator: string; hashCost: number; limits: LoginLimits; enable?: boolean },
): Promise<{ userId: number; password: string }> {
  const user = await User.findOne({ where: { username: props.username } });
  if (!user) throw new UnknownUserError(`no account named ${props.username}`);
  const otp = await newOneTimePassword(props.hashCost);
  await sequelize.transaction(async (t) => {
    await setOneTimePassword(user.id, otp, t);
    if (props.enable && user.disabled)
      await User.update({ disabled: false }, { where: { id: user.id }, transaction: t });
    await recordAuditEvent(
      sequelize,
      {
        action: "user.password.reset",
        outcome: "success",
        actorId: null,
        actorName: props.operator,
        ip: null,
        targetType: "user",
        targetId: user.id,
        detail: { via: "cli", host: hostname(), enabled: Boolean(props.enable && user.disabled) },
      },
      t,
    );
  });
  await endOtherSessions(user.id);
  await new LoginThrottle(sequelize, props.limits).resetAccount(props.username);
  return { userId: user.id, password: otp.password };
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { enable: { type: "boolean", default: false } },
  });
  const username = positionals[0];
  if (!username || positionals.length > 1) {
    process.stderr.write("usage: npm run admin:reset-password -- <username> [--enable]\n");
    process.exitCode = 64;
    return;
  }
  const config = env();
  const sequelize = await prepareDatabase(config, createLogger("warn"));
  try {
    const { password } = await adminResetPassword(sequelize, {
      username,
      operator: operatorName(),
      hashCost: config.PASSWORD_HASH_MEMORY_KIB,
      limits: {
        perIp: config.LOGIN_LIMIT_PER_IP,
        perAccount: config.LOGIN_LIMIT_PER_ACCOUNT,
        windowSeconds: config.LOGIN_LIMIT_WINDOW_SECONDS,
      },
      enable: values.enable,
    });
    process.stdout.write(
      `one-time password for ${username}: ${password}\n` +
        "it must be changed at the next sign-in; the user's sessions were ended and the reset is in the audit log\n",
    );
  } catch (err) {
    if (!(err instanceof UnknownUserError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  } finally {
    await sequelize.close();
  }
}

// Run only as a command, not when a test imports the function.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();

import type { AppContext } from "./context.js";
import { forbidden, unauthenticated } from "./errors.js";
import type { Actor } from "./actor.js";

/** The signed-in actor, or 401. Routes call this before anything else. */
export function actorOf(ctx: AppContext): Actor {
  const actor = ctx.state.actor;
  if (!actor) throw unauthenticated();
  return actor;
}

/**
 * Throws 403 unless the policy allowed the action. The denial itself is
 * written to the audit log by the error handler, outside any transaction that
 * the failed request may have opened and rolled back.
 */
export function authorize(allowed: boolean, action: string): asserts allowed {
  if (!allowed) throw forbidden(`You are not allowed to ${action}`);
}

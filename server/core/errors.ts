import type { Next } from "koa";
import type { AppContext } from "./context.js";
import { isApiPath } from "./apiPath.js";
import type { Logger } from "pino";
import { ForeignKeyConstraintError, UniqueConstraintError } from "sequelize";
import { type z } from "zod";

/** An error whose message is safe to show the caller. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new AppError(400, code, message, details);
export const unauthenticated = (code = "unauthenticated", message = "Sign in first") =>
  new AppError(401, code, message);
export const forbidden = (message = "You do not have permission to do this", code = "forbidden") =>
  new AppError(403, code, message);
export const notFound = (what = "Resource") => new AppError(404, "not_found", `${what} not found`);
export const conflict = (code: string, message: string, details?: unknown) => new AppError(409, code, message, details);

/** Codes that validate.ts's text checks put on their issues, in the order they are reported. */
export const CHARACTER_ERROR_CODES = ["control_characters", "invisible_characters"] as const;

function characterCode(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== "custom") return undefined;
  const code: unknown = issue.params?.code;
  return CHARACTER_ERROR_CODES.find((known) => known === code);
}

/**
 * A refused character gets its own code (the person needs to know that the
 * text, not its length or format, is the problem); anything else is
 * validation_failed. Details list every field either way.
 */
export function validationError(error: z.ZodError): AppError {
  const details = error.issues.map((issue) => {
    const code = characterCode(issue);
    return { path: issue.path.join("."), message: issue.message, ...(code ? { code } : {}) };
  });
  const character = CHARACTER_ERROR_CODES.find((code) => details.some((d) => d.code === code));
  if (character) return new AppError(400, character, "Some fields contain characters that are not allowed", details);
  return new AppError(400, "validation_failed", "Some fields are invalid", details);
}

interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message?: string;
}

/** Translates database constraint, body-parser and koa errors into the API's error shape. */
function toAppError(err: HttpishError): AppError | undefined {
  // A race that slipped past a service's own check still ends as a clear conflict.
  if (err instanceof UniqueConstraintError) return conflict("conflict", "This would duplicate an existing record");
  if (err instanceof ForeignKeyConstraintError)
    return conflict("conflict", "This refers to a record that does not exist or is in use");
  const status = err.status ?? err.statusCode;
  if (!status || status < 400 || status >= 500) return undefined;
  if (status === 413) return new AppError(413, "payload_too_large", "The request body is too large");
  if (status === 415) return new AppError(415, "unsupported_media_type", "Send JSON (Content-Type: application/json)");
  if (err.type === "entity.parse.failed" || /JSON|Unexpected token|invalid json/i.test(err.message ?? "")) {
    return new AppError(400, "malformed_json", "The request body is not valid JSON");
  }
  return new AppError(status, "bad_request", err.expose && err.message ? err.message : "Bad request");
}

export type DenialRecorder = (ctx: AppContext, error: AppError) => Promise<void>;

/**
 * Refusals the audit log records as denials: every 401 and 403 (the recorder
 * counts anonymous ones rather than writing each), and the 三员 rules that
 * answer 409 (one person holding two administrator roles, giving oneself a
 * role) — the auditor must see those attempts as much as a forbidden route.
 */
export const DENIED_CONFLICTS: ReadonlySet<string> = new Set(["separation_of_duties", "self_assignment"]);
const isDenial = (err: AppError) =>
  err.status === 401 || err.status === 403 || (err.status === 409 && DENIED_CONFLICTS.has(err.code));

export function errorHandler(logger: Logger, onDenied: DenialRecorder) {
  return async function handleErrors(ctx: AppContext, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && isApiPath(ctx.path)) {
        throw notFound("Route");
      }
    } catch (caught) {
      const err = caught instanceof AppError ? caught : toAppError(caught as HttpishError);
      if (err) {
        if (isDenial(err)) await onDenied(ctx, err).catch((e) => logger.error({ err: e }, "audit of denial failed"));
        ctx.status = err.status;
        ctx.body = { error: { code: err.code, message: err.message, details: err.details } };
        return;
      }
      logger.error({ err: caught, path: ctx.path, method: ctx.method }, "unhandled error");
      ctx.status = 500;
      ctx.body = { error: { code: "internal_error", message: "Something went wrong on the server" } };
    }
  };
}

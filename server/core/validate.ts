import type { Context } from "koa";
import type { z } from "zod";
import { validationError } from "./errors.js";

/**
 * Parses the request's params, query and body with a route's schema; handlers
 * read only the returned value, never ctx.request directly.
 */
export function parseRequest<S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> {
  const input = {
    params: ctx.params ?? {},
    query: ctx.query,
    body: (ctx.request as { body?: unknown }).body ?? {},
  };
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

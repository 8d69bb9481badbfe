import type { Context, Next } from "koa";
import { z } from "zod";
import type { AppContext } from "./context.js";
import { badRequest, validationError } from "./errors.js";

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

/**
 * C0 controls, DEL and C1 controls (NUL among them). Text on one line allows
 * none; multi-line text allows tab, line feed and a carriage return that ends
 * a line. U+2028/2029 break lines in browsers and JSON consumers alike.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const SINGLE_LINE_CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const MULTI_LINE_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029]|\r(?!\n)/;
/**
 * In names and identifiers: bidi embeddings, overrides, isolates and marks
 * (a name that reads differently from what it stores) and zero-width
 * characters (two names that look the same but differ).
 */
const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/;

/** Free text: refuses control characters; `multiline` lets tab and newlines through. */
export function plainText(options: { multiline?: boolean } = {}) {
  const controls = options.multiline ? MULTI_LINE_CONTROLS : SINGLE_LINE_CONTROLS;
  return z.string().refine((value) => !controls.test(value), {
    message: "must not contain control characters",
    params: { code: "control_characters" },
    // The characters are the problem; length and format messages about the same text would only confuse.
    abort: true,
  });
}

/** A name or identifier people read and compare: no control characters and no invisible ones either. */
export function nameText() {
  return plainText().refine((value) => !INVISIBLE.test(value), {
    message: "must not contain invisible or text-direction characters",
    params: { code: "invisible_characters" },
    abort: true,
  });
}

function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (depth > 32 || value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k.includes("\u0000") || containsNul(v, depth + 1));
}

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * A NUL byte anywhere in the path, the query or the body is refused before a
 * route, a schema or the database sees it: drivers and C libraries read it as
 * the end of the string. Runs after the body parser.
 */
export async function refuseNulBytes(ctx: AppContext, next: Next): Promise<void> {
  if (
    decodedPath(ctx.path).includes("\u0000") ||
    containsNul(ctx.query) ||
    containsNul((ctx.request as { body?: unknown }).body)
  ) {
    throw badRequest("control_characters", "The request contains a NUL character");
  }
  await next();
}

import { PassThrough } from "node:stream";
import type { AppContext } from "./context.js";
import { AppError } from "./errors.js";

export const NDJSON_TYPE = "application/x-ndjson";

/** True when the client asked for a streamed answer (`Accept: application/x-ndjson`). */
export function wantsNdjson(ctx: AppContext): boolean {
  return ctx.accepts("application/json", NDJSON_TYPE) === NDJSON_TYPE;
}

export interface NdjsonChannel {
  send(event: Record<string, unknown>): void;
  /** False once the client has gone away; long work should stop before it writes anything. */
  open(): boolean;
}

/**
 * Answers with newline-delimited JSON events while `work` runs. Koa sends a
 * body only after the middleware chain has finished, so the work continues in
 * the background and writes into the open stream: `{type:"progress",…}` lines
 * from the work, then one `{type:"result", result}` or `{type:"error", status,
 * error:{code,message,details}}`, the same error shape as any other answer.
 * Nothing is kept in process memory between requests, so it works behind a
 * load balancer; proxies are asked not to buffer and the response is not
 * compressed (a gzip stream would hold the progress lines back).
 */
export function streamNdjson(ctx: AppContext, work: (channel: NdjsonChannel) => Promise<unknown>): void {
  const out = new PassThrough();
  const channel: NdjsonChannel = {
    send: (event) => {
      if (!out.writableEnded && !out.destroyed) out.write(`${JSON.stringify(event)}\n`);
    },
    open: () => !out.destroyed && !ctx.res.destroyed,
  };
  ctx.status = 200;
  ctx.type = `${NDJSON_TYPE}; charset=utf-8`;
  ctx.set("Cache-Control", "no-store");
  ctx.set("X-Accel-Buffering", "no");
  // koa-compress skips a response whose ctx.compress is false (its types do not declare the field).
  Object.assign(ctx, { compress: false });
  ctx.body = out;
  void (async () => {
    try {
      channel.send({ type: "result", result: await work(channel) });
    } catch (err) {
      if (err instanceof AppError) {
        channel.send({
          type: "error",
          status: err.status,
          error: { code: err.code, message: err.message, details: err.details },
        });
      } else {
        ctx.services.logger.error({ err, path: ctx.path }, "streamed request failed");
        channel.send({
          type: "error",
          status: 500,
          error: { code: "internal_error", message: "Something went wrong on the server" },
        });
      }
    } finally {
      out.end();
    }
  })();
}

import type { AppContext } from "./context.js";
import type { BlobRange, BlobStore } from "./blobStore.js";
import { AppError, notFound } from "./errors.js";

/**
 * The one range a `Range` header asks for, within `size` bytes: a range (end
 * clipped to the file), "unsatisfiable" (it starts past the end), or null for
 * the whole file — no header, several ranges, another unit or a malformed one,
 * all of which a server may answer in full (RFC 9110 §14.2).
 */
export function parseRange(header: string | undefined, size: number): BlobRange | "unsatisfiable" | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/i.exec(header.replace(/\s+/g, ""));
  if (!match) return null;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return null;
  if (first === "") {
    // bytes=-N: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return null;
  if (start >= size) return "unsatisfiable";
  return { start, end: last === "" ? size - 1 : Math.min(Number(last), size - 1) };
}

/**
 * If-None-Match against our (strong) ETag, by weak comparison (RFC 9110 §13.1.2).
 * Koa's ctx.fresh would say no whenever the request carries Cache-Control:
 * no-cache, which fetch() adds to every conditional request it makes itself.
 */
function matchesAny(header: string, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

export interface BlobDownload {
  sha256: string;
  /** MIME type, sent as it is (no charset added: a text original may be GB18030). */
  type: string;
  /** The name a browser saves it under; any script, sent RFC 5987-encoded. */
  fileName: string;
  /** Shown in the browser (PDF) rather than saved. */
  inline: boolean;
}

/**
 * Answers with a blob as a file: the whole of it, one byte range (206), 416
 * for a range past its end, or 304 when the client's copy (its ETag, the
 * sha256) is current. Never compressed: ranges count the stored bytes, and a
 * PDF reader relies on that. Readers revalidate (private, no-cache), because
 * who may read a file can change while its bytes cannot.
 */
export async function sendBlob(ctx: AppContext, store: BlobStore, file: BlobDownload): Promise<void> {
  const found = await store.stat(file.sha256);
  if (!found) {
    ctx.services.logger.error(
      { sha256: file.sha256, path: ctx.path },
      "a file a record refers to is not in the blob store",
    );
    throw notFound("File");
  }
  const etag = `"${file.sha256}"`;
  ctx.set("ETag", etag);
  // no-transform: neither koa-compress nor a proxy on the way re-encodes it (ranges count the stored bytes).
  ctx.set("Cache-Control", "private, no-cache, no-transform");
  ctx.set("Accept-Ranges", "bytes");
  ctx.set("X-Content-Type-Options", "nosniff");
  if (matchesAny(ctx.get("If-None-Match"), etag)) {
    ctx.status = 304;
    return;
  }
  // If-Range: the range holds only for the version the client has; otherwise the whole (new) file.
  const ifRange = ctx.get("If-Range");
  const range = !ifRange || ifRange === etag ? parseRange(ctx.get("Range"), found.size) : null;
  if (range === "unsatisfiable") {
    ctx.set("Content-Range", `bytes */${found.size}`);
    throw new AppError(416, "range_not_satisfiable", `The file has ${found.size} bytes`);
  }
  ctx.set("Content-Type", file.type);
  ctx.attachment(file.fileName, { type: file.inline ? "inline" : "attachment" });
  // Whatever a downloaded original holds (an HTML page, say), it runs nothing if opened at this address.
  if (!file.inline) ctx.set("Content-Security-Policy", "sandbox; default-src 'none'");
  ctx.status = range ? 206 : 200;
  if (range) ctx.set("Content-Range", `bytes ${range.start}-${range.end}/${found.size}`);
  ctx.length = range ? range.end - range.start + 1 : found.size;
  // A HEAD answer has the headers only: no file is opened for it.
  if (ctx.method === "HEAD") return;
  ctx.body = await store.open(file.sha256, range ?? undefined);
}

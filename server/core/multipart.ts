/**
 * Multipart uploads streamed to disk (DESIGN.md, "Blob store": uploads are
 * multipart, streamed, never held whole in memory). busboy parses the request;
 * each file part is written under a folder of the caller's, at the path the
 * browser sent as its file name (a folder upload sends "folder/sub/file.pdf"),
 * made safe first: no "..", no absolute paths, no control characters.
 *
 * Limits are enforced while the data streams, not from declared sizes: a file
 * over maxFileBytes, a request over maxTotalBytes or over maxFiles parts is
 * refused with 413 as soon as it crosses the line, and everything written so
 * far is removed by the caller (receiveUpload removes its folder on any error).
 */
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform, type Readable } from "node:stream";
import busboy from "busboy";
import { AppError, badRequest } from "./errors.js";
import type { AppContext } from "./context.js";

export interface UploadLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  maxFiles: number;
  /** Text fields (besides files) and their length. */
  maxFields?: number;
  maxFieldBytes?: number;
}

export interface UploadedFile {
  /** The form field the file came in. */
  field: string;
  /** The safe form of the name the browser sent (forward slashes). */
  name: string;
  /** Where it was written, relative to the upload folder (what `place` made of the name). */
  path: string;
  bytes: number;
}

/** Where a file part goes under the upload folder (a path from its safe name), or null to read past it. */
export type PlaceUpload = (field: string, name: string) => string | null;

export interface Upload {
  fields: Record<string, string>;
  files: UploadedFile[];
  /** File parts the caller's `place` turned down (read past, not written). */
  ignored: number;
}

const tooLarge = (message: string) => new AppError(413, "upload_too_large", message);
const MAX_SEGMENT_BYTES = 255;
const MAX_DEPTH = 32;
// Control characters and the characters Windows refuses in names: a file that cannot be written on every system is refused.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f<>:"|?*]/;

/**
 * The path a browser sent as a file's name, made safe to write under a folder:
 * backslashes read as separators, empty and "." segments dropped; "..",
 * control characters or an over-long segment refuse the upload.
 */
export function safeUploadPath(name: string): string {
  const segments = name
    .normalize("NFC")
    .split(/[\\/]+/)
    .filter((segment) => segment !== "" && segment !== ".");
  // details.name: the screens say which file it was.
  const shown = { name: name.slice(0, 200) };
  if (segments.length === 0) throw badRequest("upload_bad_name", "A file has no name", shown);
  if (segments.length > MAX_DEPTH)
    throw badRequest("upload_bad_name", `A file is nested too deep: ${shown.name}`, shown);
  for (const segment of segments) {
    if (segment === ".." || UNSAFE.test(segment) || Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
      throw badRequest("upload_bad_name", `A file name is not allowed: ${shown.name}`, shown);
    }
  }
  return segments.join("/");
}

/** Counts the bytes of one file and of the whole request, failing the stream at a limit. */
function counter(limits: UploadLimits, totals: { bytes: number }, onBytes: (n: number) => void): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      totals.bytes += chunk.length;
      onBytes(bytes);
      if (bytes > limits.maxFileBytes) {
        callback(tooLarge(`A file is larger than ${limits.maxFileBytes} bytes`));
      } else if (totals.bytes > limits.maxTotalBytes) {
        callback(tooLarge(`The upload is larger than ${limits.maxTotalBytes} bytes`));
      } else callback(null, chunk);
    },
  });
}

/**
 * Reads a multipart/form-data request into `folder` (created; removed again
 * if anything fails). `place(field, name)` says where each file part goes,
 * or that it is read past. Two files at the same path refuse the upload.
 */
export async function receiveUpload(
  ctx: AppContext,
  folder: string,
  limits: UploadLimits,
  place: PlaceUpload = (_field, name) => name,
): Promise<Upload> {
  if (!ctx.is("multipart/form-data")) {
    throw new AppError(415, "unsupported_media_type", "Send the files as multipart/form-data");
  }
  await mkdir(folder, { recursive: true });
  try {
    return await parse(ctx.req, ctx.headers, folder, limits, place);
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    if (error instanceof AppError) throw error;
    // busboy's own complaints (a cut-off or malformed body) are the caller's mistake.
    throw badRequest("upload_malformed", `The upload could not be read: ${(error as Error).message}`);
  }
}

function parse(
  request: Readable,
  headers: AppContext["headers"],
  folder: string,
  limits: UploadLimits,
  place: PlaceUpload,
): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const upload: Upload = { fields: {}, files: [], ignored: 0 };
    const seen = new Set<string>();
    const totals = { bytes: 0 };
    const writes: Promise<void>[] = [];
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      request.unpipe(parser);
      request.resume();
      reject(error);
    };
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers,
        // Browsers send file names as raw UTF-8; busboy's default would read them as Latin-1.
        defParamCharset: "utf8",
        // A folder's files come as "folder/sub/name": busboy would keep only "name".
        preservePath: true,
        limits: {
          files: limits.maxFiles,
          fields: limits.maxFields ?? 20,
          fieldSize: limits.maxFieldBytes ?? 4096,
          // Enforced by counter() with a clear error; busboy's own limit would only truncate.
          fileSize: limits.maxFileBytes + 1,
        },
      });
    } catch (error) {
      reject(badRequest("upload_malformed", (error as Error).message));
      return;
    }
    parser.on("field", (name, value, info) => {
      if (info.valueTruncated) return fail(tooLarge(`The field ${name} is too long`));
      upload.fields[name] = value;
    });
    parser.on("file", (field, stream, info) => {
      if (failed) return stream.resume();
      let name: string;
      let path: string | null;
      try {
        name = safeUploadPath(info.filename ?? "");
        path = place(field, name);
      } catch (error) {
        stream.resume();
        return fail(error);
      }
      if (path === null) {
        upload.ignored += 1;
        return stream.resume();
      }
      const key = path.toLowerCase();
      if (seen.has(key)) {
        stream.resume();
        return fail(badRequest("upload_duplicate", `Two files at the same path: ${path}`, { name: path }));
      }
      seen.add(key);
      const entry: UploadedFile = { field, name, path, bytes: 0 };
      upload.files.push(entry);
      const target = join(folder, ...path.split("/"));
      writes.push(
        (async () => {
          await mkdir(dirname(target), { recursive: true });
          await pipeline(
            stream,
            counter(limits, totals, (n) => (entry.bytes = n)),
            // flush: fsynced before it closes, so the file is on disk before the upload is answered
            // (the job that reads it may run after a crash).
            createWriteStream(target, { flags: "wx", flush: true }),
          );
        })().catch((error: unknown) => {
          stream.resume();
          fail(error);
        }),
      );
    });
    parser.on("filesLimit", () => fail(tooLarge(`More than ${limits.maxFiles} files`)));
    parser.on("fieldsLimit", () => fail(badRequest("upload_malformed", "Too many fields")));
    parser.on("error", (error) => fail(error));
    parser.on("close", () => {
      void Promise.all(writes).then(() => {
        if (!failed) resolve(upload);
      });
    });
    request.on("aborted", () => fail(badRequest("upload_malformed", "The upload was interrupted")));
    request.pipe(parser);
  });
}

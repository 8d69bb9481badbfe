import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BlobHashMismatchError, BlobNotFoundError, LocalBlobStore } from "./blobStore.js";
import { AppError } from "./errors.js";

const CORPUS = fileURLToPath(new URL("../../../shared/corpus/", import.meta.url));
const PDF = join(CORPUS, "pdf-samples/004-pdflatex-4-pages_pdflatex-4-pages.pdf");
const BOOK = join(CORPUS, "books/《詩經集傳》卷一.pdf");
const LAW = join(CORPUS, "laws/行政法/义务教育法(2018-12-29).md");

const sha256Of = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let root: string;
let store: LocalBlobStore;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "yong-blobs-"));
  store = new LocalBlobStore(root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Every file under the store, as paths relative to its root. */
function files(dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? files(path) : [relative(root, path)];
  });
}

/** A stream of `bytes` in small chunks, as a slow upload arrives; fails after `failAfter` bytes when given. */
function chunked(bytes: Buffer, options: { chunk?: number; failAfter?: number } = {}): Readable {
  const size = options.chunk ?? 4096;
  let offset = 0;
  return new Readable({
    read() {
      if (options.failAfter !== undefined && offset >= options.failAfter) {
        this.destroy(new Error("connection reset by peer"));
        return;
      }
      if (offset >= bytes.length) return void this.push(null);
      setImmediate(() => {
        this.push(bytes.subarray(offset, offset + size));
        offset += size;
      });
    },
  });
}

const tooLarge = (error: unknown) =>
  error instanceof AppError && error.code === "blob_too_large" && error.status === 413;

describe("LocalBlobStore.put", () => {
  it("stores a file under its sha256, fanned out in two folders, and reads it back", async () => {
    const bytes = readFileSync(PDF);
    const put = await store.put(PDF);
    expect(put).toEqual({ sha256: sha256Of(bytes), size: bytes.length });
    const { sha256 } = put;
    expect(files()).toEqual([join(sha256.slice(0, 2), sha256.slice(2, 4), sha256)]);
    expect(await store.has(sha256)).toBe(true);
    expect(await store.stat(sha256)).toMatchObject({ sha256, size: bytes.length });
    expect((await buffer(await store.open(sha256))).equals(bytes)).toBe(true);
    // Blobs hold 内部 documents too: not readable by other users of the machine.
    expect(statSync(store.pathOf(sha256)).mode & 0o007).toBe(0);
  });

  it("keeps one file for the same content put many times at once, from streams and from the path", async () => {
    const bytes = readFileSync(BOOK);
    const results = await Promise.all([
      ...Array.from({ length: 6 }, () => store.put(chunked(bytes, { chunk: 65_536 }))),
      store.put(BOOK),
      store.put(BOOK),
    ]);
    const expected = { sha256: sha256Of(bytes), size: bytes.length };
    for (const result of results) expect(result).toEqual(expected);
    expect(files()).toEqual([relative(root, store.pathOf(expected.sha256))]);
    expect(sha256Of(readFileSync(store.pathOf(expected.sha256)))).toBe(expected.sha256);
  });

  it("leaves no partial file when the stream fails halfway", async () => {
    const bytes = readFileSync(BOOK);
    await expect(store.put(chunked(bytes, { chunk: 65_536, failAfter: bytes.length / 2 }))).rejects.toThrow(
      "connection reset by peer",
    );
    expect(files()).toEqual([]);
    expect(await store.has(sha256Of(bytes))).toBe(false);
  });

  it("refuses content over the limit with blob_too_large, from a stream or a file, and keeps nothing", async () => {
    const bytes = readFileSync(PDF);
    const limit = bytes.length - 1;
    const streamed = await store.put(chunked(bytes), { maxBytes: limit }).catch((e: unknown) => e);
    expect(tooLarge(streamed)).toBe(true);
    expect((streamed as AppError).details).toEqual({ maxBytes: limit });
    expect(tooLarge(await store.put(PDF, { maxBytes: limit }).catch((e: unknown) => e))).toBe(true);
    expect(files()).toEqual([]);
    // Exactly at the limit is allowed.
    expect((await store.put(chunked(bytes), { maxBytes: bytes.length })).size).toBe(bytes.length);
    // The store's own limit applies when the call gives none.
    const small = new LocalBlobStore(root, { maxBytes: 1000 });
    expect(tooLarge(await small.put(LAW).catch((e: unknown) => e))).toBe(true);
  });

  it("with the hash already known: does not read the file again when the blob exists, and checks it when not", async () => {
    const bytes = readFileSync(LAW);
    const sha256 = sha256Of(bytes);
    expect(await store.put(LAW, { sha256 })).toEqual({ sha256, size: bytes.length });
    // The blob is there: the path is not even opened (this one does not exist).
    expect(await store.put(join(root, "gone.md"), { sha256 })).toEqual({ sha256, size: bytes.length });
    // A file that changed after it was hashed is refused and leaves nothing behind.
    const changed = join(tmpdir(), `yong-changed-${process.pid}.md`);
    writeFileSync(changed, Buffer.concat([bytes, Buffer.from("\n修订")]));
    const wrong = sha256Of(Buffer.from("something else"));
    const error = await store.put(changed, { sha256: wrong }).catch((e: unknown) => e);
    rmSync(changed);
    expect(error).toBeInstanceOf(BlobHashMismatchError);
    expect(files()).toEqual([relative(root, store.pathOf(sha256))]);
  });

  it("refuses names that are not sha256 digests, so no path can escape the store", async () => {
    await expect(store.stat("../../etc/passwd")).rejects.toThrow(TypeError);
    await expect(store.open("A".repeat(64))).rejects.toThrow(TypeError);
    await expect(store.put(LAW, { sha256: "abc" })).rejects.toThrow(TypeError);
  });
});

describe("LocalBlobStore.open", () => {
  it("reads byte ranges, both ends included", async () => {
    const bytes = readFileSync(PDF);
    const { sha256 } = await store.put(PDF);
    expect((await buffer(await store.open(sha256, { start: 0, end: 4 }))).toString("latin1")).toBe("%PDF-");
    const middle = await buffer(await store.open(sha256, { start: 1000, end: 5999 }));
    expect(middle.equals(bytes.subarray(1000, 6000))).toBe(true);
    const last = await buffer(await store.open(sha256, { start: bytes.length - 1, end: bytes.length - 1 }));
    expect(last.equals(bytes.subarray(-1))).toBe(true);
  });

  it("refuses ranges outside the blob, and blobs that are not there", async () => {
    const bytes = readFileSync(PDF);
    const { sha256 } = await store.put(PDF);
    await expect(store.open(sha256, { start: 0, end: bytes.length })).rejects.toThrow(RangeError);
    await expect(store.open(sha256, { start: 10, end: 9 })).rejects.toThrow(RangeError);
    const absent = sha256Of(Buffer.from("absent"));
    await expect(store.open(absent)).rejects.toThrow(BlobNotFoundError);
    expect(await store.stat(absent)).toBeNull();
    expect(await store.has(absent)).toBe(false);
  });
});

describe("LocalBlobStore.sweep", () => {
  const HOUR = 3_600_000;
  const age = (path: string, ms: number) => {
    const then = new Date(Date.now() - ms);
    utimesSync(path, then, then);
  };

  it("removes old blobs nothing refers to, and keeps referenced ones and those within the grace period", async () => {
    const kept = await store.put(PDF);
    const orphan = await store.put(LAW);
    const fresh = await store.put(BOOK);
    age(store.pathOf(kept.sha256), 48 * HOUR);
    age(store.pathOf(orphan.sha256), 48 * HOUR);
    // The upload whose row has not committed yet: written minutes ago, referenced by nothing so far.
    age(store.pathOf(fresh.sha256), 5 * 60_000);
    const report = await store.sweep({ referenced: new Set([kept.sha256]), graceMs: 24 * HOUR });
    expect(report).toMatchObject({ examined: 3, removed: 1, freedBytes: orphan.size });
    expect(await store.has(kept.sha256)).toBe(true);
    expect(await store.has(orphan.sha256)).toBe(false);
    expect(await store.has(fresh.sha256)).toBe(true);
    expect(files().filter((f) => f.startsWith("tmp/"))).toEqual([]);
  });

  it("keeps an old blob that was put again: its grace period starts over", async () => {
    const { sha256 } = await store.put(LAW);
    age(store.pathOf(sha256), 48 * HOUR);
    // The importer meets the same file again and puts it with the hash it computed.
    await store.put(LAW, { sha256 });
    expect((await store.sweep({ referenced: new Set(), graceMs: 24 * HOUR })).removed).toBe(0);
    expect(await store.has(sha256)).toBe(true);
  });

  it("asks a lookup about candidates in batches, only about blobs past the grace period", async () => {
    const old = await store.put(PDF);
    const young = await store.put(LAW);
    age(store.pathOf(old.sha256), 48 * HOUR);
    const asked: string[][] = [];
    const report = await store.sweep({
      referenced: async (candidates) => {
        asked.push([...candidates]);
        return new Set(candidates);
      },
      graceMs: 24 * HOUR,
    });
    expect(asked).toEqual([[old.sha256]]);
    expect(report.removed).toBe(0);
    expect(await store.has(young.sha256)).toBe(true);
  });

  it("removes temp files that crashed writes left behind, once they are past the grace period", async () => {
    const bytes = readFileSync(PDF);
    await expect(store.put(chunked(bytes, { failAfter: 8192 }))).rejects.toThrow();
    // A process killed mid-write leaves its temp file; simulate one old and one in progress.
    writeFileSync(join(root, "tmp", "crashed.part"), bytes.subarray(0, 100));
    writeFileSync(join(root, "tmp", "writing.part"), bytes.subarray(0, 100));
    age(join(root, "tmp", "crashed.part"), 48 * HOUR);
    const report = await store.sweep({ referenced: new Set(), graceMs: 24 * HOUR });
    expect(report.staleTemps).toBe(1);
    expect(files()).toEqual([join("tmp", "writing.part")]);
  });
});

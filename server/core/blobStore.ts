import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { link, mkdir, open, opendir, rename, rm, stat, unlink, utimes } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "./errors.js";

/**
 * The shared blob store: files named by the sha256 of their content, so the
 * same bytes are stored once however often they are put. Streamed in and out,
 * never held whole in memory. One interface, so an S3-compatible backend can
 * stand in for the local disk later; callers keep only the hash.
 */
export interface BlobStore {
  /** Stores the bytes of a stream or a file; the same content twice is one blob. */
  put(source: Readable | string, options?: PutOptions): Promise<{ sha256: string; size: number }>;
  /** A stream of the blob, or of `range` of it; BlobNotFoundError when there is none. */
  open(sha256: string, range?: BlobRange): Promise<Readable>;
  stat(sha256: string): Promise<BlobStat | null>;
  has(sha256: string): Promise<boolean>;
  /** Removes blobs nothing refers to that were not written (or put again) within the grace period. */
  sweep(options: SweepOptions): Promise<SweepReport>;
}

export interface PutOptions {
  /** Refuse more bytes than this (blob_too_large); the store's own limit when not given. */
  maxBytes?: number;
  /**
   * The hash the caller already computed. A blob that exists is then not
   * written again (the file is not read); one that does not is written and
   * checked against it, so a file that changed meanwhile is refused.
   */
  sha256?: string;
}

/** Bytes `start` to `end`, both included (as HTTP ranges count). */
export interface BlobRange {
  start: number;
  end: number;
}

export interface BlobStat {
  sha256: string;
  size: number;
  /** When it was last written or put again: what the sweep's grace period is measured from. */
  modifiedAt: Date;
}

/** Which of the candidate hashes something still refers to: the set of all, or a lookup per batch. */
export type ReferencedBlobs = ReadonlySet<string> | ((candidates: readonly string[]) => Promise<ReadonlySet<string>>);

export interface SweepOptions {
  referenced: ReferencedBlobs;
  /**
   * Blobs younger than this are kept whatever `referenced` says: an upload puts
   * its blob before the row that refers to it commits. Also the age after which
   * a temp file left by a crashed write is removed.
   */
  graceMs: number;
  /** The clock, for tests. */
  now?: number;
}

export interface SweepReport {
  examined: number;
  removed: number;
  freedBytes: number;
  /** Temp files of writes that never finished, removed. */
  staleTemps: number;
}

export const blobTooLarge = (maxBytes: number) =>
  new AppError(413, "blob_too_large", `The file is larger than the limit of ${maxBytes} bytes`, { maxBytes });

export class BlobNotFoundError extends Error {
  override readonly name = "BlobNotFoundError";
  constructor(readonly sha256: string) {
    super(`no blob ${sha256}`);
  }
}

/** The bytes put were not the ones the caller hashed: the file changed in between. */
export class BlobHashMismatchError extends Error {
  override readonly name = "BlobHashMismatchError";
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`the content's sha256 is ${actual}, not ${expected} as declared: it changed while it was read`);
  }
}

const SHA256 = /^[0-9a-f]{64}$/;
const FAN = /^[0-9a-f]{2}$/;
/** 2 GiB: more than any document the archive or the library takes; uploads pass their own, lower limits. */
export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
const SWEEP_BATCH = 1000;

function checkHash(sha256: string): string {
  // A name from a request or a row never becomes a path it should not.
  if (!SHA256.test(sha256)) throw new TypeError(`not a sha256 hex digest: ${JSON.stringify(sha256.slice(0, 80))}`);
  return sha256;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code === "ENOENT";

/** Makes a rename or an unlink in `dir` durable; a platform that cannot open folders (Windows) skips it. */
async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR" || code === "EPERM" || code === "EACCES") return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EINVAL") throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Blobs on the local disk: `<root>/ab/cd/<sha256>` (two levels of fan-out keep
 * folders small at millions of files). A write goes to `<root>/tmp/`, on the
 * same file system, is fsynced, then renamed into place and its folder fsynced:
 * a crash leaves either the whole blob or none, never a partial one under a
 * real name.
 */
export class LocalBlobStore implements BlobStore {
  private readonly tmpDir: string;

  constructor(
    readonly root: string,
    private readonly defaults: { maxBytes?: number } = {},
  ) {
    this.tmpDir = join(root, "tmp");
  }

  pathOf(sha256: string): string {
    checkHash(sha256);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(source: Readable | string, options: PutOptions = {}): Promise<{ sha256: string; size: number }> {
    const maxBytes = options.maxBytes ?? this.defaults.maxBytes ?? DEFAULT_MAX_BYTES;
    const expected = options.sha256 === undefined ? undefined : checkHash(options.sha256);
    if (expected) {
      const existing = await this.refresh(expected);
      if (existing) {
        if (typeof source !== "string") source.destroy();
        return { sha256: expected, size: existing.size };
      }
    }
    if (typeof source === "string") {
      // A file known to be too large is refused before a byte is copied.
      const { size } = await stat(source);
      if (size > maxBytes) throw blobTooLarge(maxBytes);
    }
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, `${randomUUID()}.part`);
    const hash = createHash("sha256");
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer | string, _encoding, done) {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        size += bytes.length;
        if (size > maxBytes) return done(blobTooLarge(maxBytes));
        hash.update(bytes);
        done(null, bytes);
      },
    });
    const input = typeof source === "string" ? createReadStream(source) : source;
    try {
      // flush: the file is fsynced before it is closed, so the rename below never names unwritten bytes.
      await pipeline(input, meter, createWriteStream(tmp, { flags: "wx", mode: 0o640, flush: true }));
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    const sha256 = hash.digest("hex");
    try {
      if (expected && expected !== sha256) throw new BlobHashMismatchError(expected, sha256);
      const final = this.pathOf(sha256);
      const dir = dirname(final);
      const created = await mkdir(dir, { recursive: true });
      // Identical bytes may already be there (or arrive from a concurrent put): renaming over them is harmless.
      await rename(tmp, final);
      await syncDir(dir);
      if (created) {
        await syncDir(dirname(dir));
        await syncDir(this.root);
      }
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    return { sha256, size };
  }

  /**
   * An existing blob put again is touched, so a sweep running now does not take
   * it from under the row about to refer to it (see sweep).
   */
  private async refresh(sha256: string): Promise<BlobStat | null> {
    const path = this.pathOf(sha256);
    const now = new Date();
    try {
      await utimes(path, now, now);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    return this.stat(sha256);
  }

  async open(sha256: string, range?: BlobRange): Promise<Readable> {
    const path = this.pathOf(sha256);
    let handle;
    try {
      handle = await open(path, "r");
    } catch (error) {
      if (isMissing(error)) throw new BlobNotFoundError(sha256);
      throw error;
    }
    if (range) {
      const { size } = await handle.stat();
      const { start, end } = range;
      if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end < size)) {
        await handle.close();
        throw new RangeError(`bytes ${start}-${end} are not within the blob's ${size} bytes`);
      }
    }
    // Reading through the open handle: a blob swept meanwhile is still read to the end.
    return handle.createReadStream({ start: range?.start, end: range?.end, autoClose: true });
  }

  async stat(sha256: string): Promise<BlobStat | null> {
    try {
      const s = await stat(this.pathOf(sha256));
      return { sha256, size: s.size, modifiedAt: s.mtime };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== null;
  }

  /**
   * Walks the store, and removes each blob that is older than the grace period
   * and not referenced. The blob is first renamed aside and its time looked at
   * again: a put of the same content in the meantime touched it (or, after the
   * rename, wrote it anew), and a touched blob is put back instead of removed.
   */
  async sweep(options: SweepOptions): Promise<SweepReport> {
    const now = options.now ?? Date.now();
    const cutoff = now - options.graceMs;
    const given = options.referenced;
    const referenced = typeof given === "function" ? given : async () => given;
    const report: SweepReport = { examined: 0, removed: 0, freedBytes: 0, staleTemps: 0 };
    let batch: BlobStat[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const inUse = await referenced(batch.map((b) => b.sha256));
      for (const blob of batch) {
        if (inUse.has(blob.sha256)) continue;
        if (await this.removeIfStale(blob.sha256, cutoff)) {
          report.removed += 1;
          report.freedBytes += blob.size;
        }
      }
      batch = [];
    };
    for await (const blob of this.walk()) {
      report.examined += 1;
      if (blob.modifiedAt.getTime() >= cutoff) continue;
      batch.push(blob);
      if (batch.length >= SWEEP_BATCH) await flush();
    }
    await flush();
    report.staleTemps = await this.removeStaleTemps(cutoff);
    return report;
  }

  private async removeIfStale(sha256: string, cutoff: number): Promise<boolean> {
    const path = this.pathOf(sha256);
    const aside = join(this.tmpDir, `sweep-${sha256}-${randomUUID()}`);
    await mkdir(this.tmpDir, { recursive: true });
    try {
      await rename(path, aside);
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
    const s = await stat(aside);
    if (s.mtimeMs >= cutoff) {
      // Put again between the walk and the rename: it stays. A put after the rename wrote its own copy.
      await link(aside, path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error;
      });
      await unlink(aside);
      return false;
    }
    await unlink(aside);
    await syncDir(dirname(path));
    return true;
  }

  private async removeStaleTemps(cutoff: number): Promise<number> {
    let removed = 0;
    let dir;
    try {
      dir = await opendir(this.tmpDir);
    } catch (error) {
      if (isMissing(error)) return 0;
      throw error;
    }
    for await (const entry of dir) {
      if (!entry.isFile()) continue;
      const path = join(this.tmpDir, entry.name);
      const s = await stat(path).catch(() => null);
      if (s && s.mtimeMs < cutoff) {
        await rm(path, { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  /** Every blob in the store, folder by folder (never the whole listing in memory). */
  private async *walk(): AsyncGenerator<BlobStat> {
    const folders = async function* (dir: string): AsyncGenerator<string> {
      let handle;
      try {
        handle = await opendir(dir);
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for await (const entry of handle) if (entry.isDirectory() && FAN.test(entry.name)) yield entry.name;
    };
    for await (const first of folders(this.root)) {
      for await (const second of folders(join(this.root, first))) {
        const dir = join(this.root, first, second);
        for await (const entry of await opendir(dir)) {
          if (!entry.isFile() || !SHA256.test(entry.name)) continue;
          const found = await this.stat(entry.name);
          if (found) yield found;
        }
      }
    }
  }
}

/** The store a server or a CLI uses: DATA_DIR/blobs. */
export function createBlobStore(config: { DATA_DIR: string }): BlobStore {
  return new LocalBlobStore(join(config.DATA_DIR, "blobs"));
}

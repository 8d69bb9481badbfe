import { spawn, type ChildProcess } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { Socket } from "node:net";
import { availableParallelism } from "node:os";
import { Semaphore } from "../server/core/semaphore.js";
import { readerScript, type ReaderScript } from "./readerScript.js";
import { ImportFileError, type ImportFileErrorCode } from "./types.js";

export interface PdfTextOptions {
  /** The file's reader process is killed after this long. */
  timeoutMs?: number;
  /** Memory (resident set) the file's reader process may use; a file that needs more is too_large. */
  maxMemoryMb?: number;
}

export interface PdfText {
  text: string;
  pages: number;
}

/** What a cover and a catalogue need of a PDF (inspectPdf). */
export interface PdfInspection {
  pages: number;
  /** The document information dictionary (Title, Author, Subject, Keywords, …) as pdf.js gives it. */
  info: Record<string, unknown>;
  /** XMP properties by name (dc:title, dc:creator, dc:date, …); empty when the PDF has no XMP. */
  xmp: Record<string, unknown>;
  /** The first page drawn `coverWidth` pixels wide, as a JPEG; null for a PDF without pages. */
  cover: Uint8Array | null;
}

/** What the reader process sends back for one file. */
export type PdfReaderReply =
  | { id: number; ok: true; text: string; pages: number }
  | { id: number; ok: true; inspection: PdfInspection }
  | { id: number; ok: false; code: ImportFileErrorCode; message: string }
  /**
   * Sent once, when pdf.js has loaded: a reader that dies before it is broken, not the file.
   * codeCache: it started from an earlier reader's compiled code.
   */
  | { ready: true; codeCache: boolean };

export type PdfReaderRequest =
  /**
   * Pages first to last (from 1; a last past the end means the end) of a file.
   * The reader keeps the file open for its next part, by `file`, and lets it go
   * once it has read the last page.
   */
  | { id: number; file: number; path: string; first: number; last: number }
  /** Page count, metadata and the first page drawn as a cover; the reader lets go of the file after. */
  | { id: number; file: number; path: string; inspect: { coverWidth: number } }
  /** Let go of the open file: the rest of it is read elsewhere, or not at all. */
  | { close: true };

/**
 * Each PDF is read in a child process, not a worker thread: a worker's
 * resourceLimits bound only its JavaScript heap, and what pdf.js inflates lives
 * outside it (a 2 MB PDF that inflates to 2 GB took the process to 6.7 GB with
 * a 512 MB heap limit). A process has its own resident set, which the parent
 * watches and kills at the limit, and its own heap limit besides.
 *
 * The child runs the reader's bundled script (readerScript.ts) with the V8
 * code cache an earlier reader left, when there is one.
 */
function spawnReader(script: ReaderScript, maxMemoryMb: number): ChildProcess {
  const heapFlags = [
    `--max-old-space-size=${maxMemoryMb}`,
    // Under a small heap limit V8 grows the heap by little at a time: with 512 MB
    // it collected the whole heap 42 times over the 250 pages of the books and
    // pdf-samples instead of 5, and the reader took 60% more CPU time. Starting
    // with an eighth of the limit it collects 9 times; the limit itself and the
    // watch on the resident set stay as they were, and an idle reader stays
    // under half the limit (~200 MB of 512), so it is kept for the next file.
    `--initial-old-space-size=${Math.floor(maxMemoryMb / 8)}`,
  ];
  // A new reader spends its first few hundred pages compiling pdf.js's hot code,
  // on a second thread: it then keeps ~1.4 cores busy, and a second reader
  // starting beside it finds little of the second core. Without inlining,
  // TurboFan compiles far less; the first 250 pages took 15–20% less CPU time,
  // and the later ones no more. A larger interrupt budget (V8's default is
  // 132 KB of bytecode run) leaves functions to the baseline compiler longer,
  // so TurboFan compiles only those that stay hot: two readers started together
  // read the 250 pages in 20% less time, and warm readers were no slower.
  const jitFlags = ["--no-turbo-inlining", "--interrupt-budget=1000000"];
  const flags = [...heapFlags, ...jitFlags];
  const codeCache = script.codeCachePath(flags);
  const boot = [
    'const { readFileSync } = require("node:fs");',
    'const vm = require("node:vm");',
    // pdf.js's legacy build brings core-js, which replaces Array.prototype.push
    // everywhere with a JavaScript version because Node 20's push does not throw
    // on an array whose length is read-only, a case pdf.js never meets. Every push
    // in pdf.js went through it: 15% of a reader's CPU time. The native one goes back.
    "const nativePush = Array.prototype.push;",
    "let cachedData;",
    `try { cachedData = readFileSync(${JSON.stringify(codeCache)}); } catch {}`,
    `const script = new vm.Script(readFileSync(${JSON.stringify(script.path)}, "utf8"), {`,
    `  filename: ${JSON.stringify(script.path)},`,
    "  cachedData,",
    "  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,",
    "});",
    "globalThis.pdfReaderCodeCache = {",
    `  path: ${JSON.stringify(codeCache)},`,
    "  used: cachedData !== undefined && !script.cachedDataRejected,",
    "  create: () => script.createCachedData(),",
    "};",
    "script.runInThisContext()(require);",
    "Array.prototype.push = nativePush;",
  ].join("\n");
  return spawn(process.execPath, [...flags, "--eval", boot], {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    serialization: "advanced",
  });
}

/** The last few KB a reader wrote to stderr: what a crash says about itself. */
const stderrTail = new WeakMap<ChildProcess, string>();
/** Readers that have loaded pdf.js and said so. */
const ready = new WeakSet<ChildProcess>();

/** Whether an idle reader's process, IPC channel and stderr pipe keep the importer running. */
function holdProcess(child: ChildProcess, hold: boolean): void {
  const handles = [child, child.channel, child.stderr instanceof Socket ? child.stderr : null];
  for (const handle of handles) {
    if (hold) handle?.ref();
    else handle?.unref();
  }
}

/**
 * Idle readers by memory limit. Starting one costs ~0.3 s (Node, pdf.js and,
 * from source, the TypeScript loader), more than most files take, so a reader
 * that finished a file cleanly takes the next one; one that was killed or
 * crashed is gone. Idle readers do not keep the importer alive.
 */
const idle = new Map<number, ChildProcess[]>();
/** Readers at work at once, and idle readers kept: one per core unless the importer says otherwise. */
let readerLimit = availableParallelism();
let nextId = 1;
const readerSlots = new Semaphore(readerLimit);

/** Sets how many readers work at once (and how many idle readers are kept). */
export function setPdfReaderLimit(limit: number): void {
  readerSlots.setLimit(limit);
  readerLimit = limit;
}

/** Readers started, and how many of them had a code cache to start from. */
const starts = { readers: 0, withCodeCache: 0 };

/** How many PDF readers this process has started, and how many of them found a code cache. */
export function pdfReaderStarts(): Readonly<typeof starts> {
  return { ...starts };
}

async function takeReader(maxMemoryMb: number): Promise<ChildProcess> {
  const list = idle.get(maxMemoryMb) ?? [];
  let child = list.pop();
  while (child && child.exitCode !== null) child = list.pop();
  if (!child) {
    child = spawnReader(await readerScript(), maxMemoryMb);
    const spawned = child;
    starts.readers++;
    stderrTail.set(spawned, "");
    spawned.on("message", (message: PdfReaderReply) => {
      if (!("ready" in message)) return;
      ready.add(spawned);
      if (message.codeCache) starts.withCodeCache++;
    });
    spawned.stderr?.setEncoding("utf8");
    spawned.stderr?.on("data", (chunk: string) =>
      stderrTail.set(spawned, ((stderrTail.get(spawned) ?? "") + chunk).slice(-4096)),
    );
    // A reader that dies while idle leaves the pool.
    spawned.once("exit", () => {
      const rest = idle.get(maxMemoryMb)?.filter((c) => c !== spawned);
      if (rest) idle.set(maxMemoryMb, rest);
    });
  }
  holdProcess(child, true);
  return child;
}

/**
 * Back to the pool, unless the reader kept much of what its last file made it
 * take (V8 and malloc seldom give memory back): the next file gets the headroom.
 */
async function returnReader(maxMemoryMb: number, child: ChildProcess): Promise<void> {
  const list = idle.get(maxMemoryMb) ?? [];
  const resident = child.pid === undefined ? null : await residentBytes(child.pid);
  const bloated = resident !== null && resident > (maxMemoryMb * 1024 * 1024) / 2;
  if (list.length >= readerLimit || bloated || child.exitCode !== null || child.killed) {
    child.kill("SIGKILL");
    return;
  }
  holdProcess(child, false);
  list.push(child);
  idle.set(maxMemoryMb, list);
}

/** Ends the idle PDF readers (a CLI calls this before it exits; tests after their files). */
export async function closePdfReaders(): Promise<void> {
  const all = [...idle.values()].flat();
  idle.clear();
  await Promise.all(
    all.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          // An idle reader is unreferenced; waiting for its exit must keep the process alive, or a
          // command's top-level await ends unsettled (exit code 13).
          holdProcess(child, true);
          child.kill("SIGKILL");
        }),
    ),
  );
}

/** Resident set of a process in bytes, from /proc; null where there is no /proc (not Linux). */
async function residentBytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

const MEMORY_POLL_MS = 50;

/**
 * Pages a reader is asked for at a time. A long PDF is read in parts so that
 * a reader with nothing else to do can read some of them: one file would
 * otherwise keep one core busy while the other waits (GeoTopo's 117 pages were
 * 40% of the work of the books and pdf-samples). A part of 8 pages takes
 * 50–150 ms, so a file that arrives waits that long at most for its reader.
 */
const PART_PAGES = 8;

/** One PDF being read, by one reader or, part by part, by several. */
interface FileJob {
  file: number;
  path: string;
  maxMemoryMb: number;
  timeoutMs: number;
  deadline: number;
  /** Known once the first part is read. */
  pages: number | null;
  /** First page not yet given to a reader. */
  next: number;
  /** Text of each part, in page order. */
  parts: string[];
  failure: Error | null;
  /** Readers that joined in: the file is read when they are done. */
  helpers: Promise<void>[];
}

/**
 * Extracts a PDF's text in reader processes with a memory limit and a
 * deadline, so that no file (a decompression bomb, a content stream that never
 * ends) can stall or exhaust the importer. Resolves with empty text for a PDF
 * that has pages but no text layer. Rejects with ImportFileError for what is wrong
 * with the file, and with a plain Error only when a reader itself cannot start.
 * The deadline is the file's, whichever readers read it; the memory limit is
 * each reader's.
 */
export async function extractPdfText(path: string, options: PdfTextOptions = {}): Promise<PdfText> {
  const { timeoutMs = 60_000, maxMemoryMb = 512 } = options;
  await checkSize(path, maxMemoryMb);
  const job: FileJob = {
    file: nextId++,
    path,
    maxMemoryMb,
    timeoutMs,
    deadline: Date.now() + timeoutMs,
    pages: null,
    next: 1,
    parts: [],
    failure: null,
    helpers: [],
  };
  unfinished.add(job);
  try {
    await readInSlot(job, false);
    // Helpers may join until the last part is handed out, and that is decided in readParts.
    while (job.helpers.length) await Promise.all(job.helpers.splice(0));
  } finally {
    unfinished.delete(job);
  }
  if (job.failure) throw job.failure;
  return { text: job.parts.join("\n\n"), pages: job.pages ?? 0 };
}

/** Refuses a file larger than a reader may hold: the whole file is in memory while it is parsed. */
async function checkSize(path: string, maxMemoryMb: number): Promise<void> {
  arriving++;
  let size: number;
  try {
    ({ size } = await stat(path));
  } finally {
    arriving--;
  }
  if (size > maxMemoryMb * 1024 * 1024) {
    throw new ImportFileError("too_large", `${size} bytes is more than the ${maxMemoryMb} MB a PDF may use`);
  }
}

/**
 * A PDF's page count, metadata and its first page drawn as a cover, read in a
 * reader process with the same bounds as its text (extractPdfText), so that a
 * hostile upload cannot stall or exhaust the process that asks. Rejects with
 * ImportFileError for what is wrong with the file.
 */
export async function inspectPdf(
  path: string,
  options: PdfTextOptions & { coverWidth: number },
): Promise<PdfInspection> {
  const { timeoutMs = 30_000, maxMemoryMb = 512, coverWidth } = options;
  await checkSize(path, maxMemoryMb);
  return readerSlots.run(async () => {
    // The file's time starts when a reader is free for it, not while it waits its turn.
    const bounds = { maxMemoryMb, timeoutMs, deadline: Date.now() + timeoutMs };
    const child = await takeReader(maxMemoryMb);
    try {
      const answer = await ask(child, bounds, (id) => ({ id, file: nextId++, path, inspect: { coverWidth } }));
      if (!("inspection" in answer)) throw new Error("the PDF reader answered a text request");
      return answer.inspection;
    } finally {
      if (!child.killed) await returnReader(maxMemoryMb, child);
    }
  });
}

/** Files being read, which a reader with nothing else to do may help with. */
const unfinished = new Set<FileJob>();
/** Files asked for that have not yet asked for a reader: a free reader waits for them. */
let arriving = 0;

/**
 * A reader's share of a file, in one of the reader slots. When it is done and
 * no other file has taken the slot by the next turn of the event loop, the
 * free reader joins a file still being read, instead of waiting for that
 * file's reader to finish a part and call for help.
 */
async function readInSlot(job: FileJob, helper: boolean): Promise<void> {
  try {
    await readerSlots.run(() => readParts(job, helper));
  } finally {
    setImmediate(() => {
      for (const other of unfinished) recruitHelpers(other);
    });
  }
}

/** The next part to read, or null when every page is handed out (or the file failed). */
function nextPart(job: FileJob): { first: number; last: number; index: number } | null {
  if (job.failure) return null;
  if (Date.now() >= job.deadline) {
    job.failure = new ImportFileError("timeout", `reading the PDF took longer than ${job.timeoutMs} ms`);
    return null;
  }
  // Until the first part says how many pages there are, it is the only one.
  if (job.pages === null ? job.next > 1 : job.next > job.pages) return null;
  const first = job.next;
  job.next += PART_PAGES;
  return { first, last: first + PART_PAGES - 1, index: (first - 1) / PART_PAGES };
}

/**
 * Lets readers that would otherwise be idle read parts of this file: while no
 * other file waits for a reader and at least two parts are left (one for the
 * reader already on it).
 */
function recruitHelpers(job: FileJob): void {
  const partsLeft = () => (job.pages === null ? 0 : Math.ceil((job.pages - job.next + 1) / PART_PAGES));
  const free = () => readerSlots.queued === 0 && arriving === 0 && readerSlots.running < readerLimit;
  while (!job.failure && partsLeft() >= 2 && free()) {
    // run() takes the free slot at once, before this loop looks again.
    job.helpers.push(readInSlot(job, true));
  }
}

/**
 * One reader reads parts of a file until none are left; a helper also stops
 * when another file waits for its slot. The reader goes back to the pool (or
 * is gone, if it was killed) before this resolves.
 */
async function readParts(job: FileJob, helper: boolean): Promise<void> {
  // The file's time starts when its first reader is free for it, not while it waits its turn.
  if (!helper) job.deadline = Date.now() + job.timeoutMs;
  let child: ChildProcess;
  try {
    child = await takeReader(job.maxMemoryMb);
  } catch (error) {
    job.failure ??= error instanceof Error ? error : new Error(String(error));
    return;
  }
  /** The reader has the file open: its last part did not reach the end. */
  let holdsFile = false;
  for (let part = nextPart(job); part; part = nextPart(job)) {
    try {
      const reply = await readPart(child, job, part.first, part.last);
      job.pages = reply.pages;
      job.parts[part.index] = reply.text;
      holdsFile = part.last < reply.pages;
    } catch (error) {
      job.failure ??= error instanceof Error ? error : new Error(String(error));
      // A reader lets go of a file whose part failed, or was killed.
      holdsFile = false;
      break;
    }
    recruitHelpers(job);
    if (helper && (readerSlots.queued > 0 || arriving > 0)) break;
  }
  if (holdsFile && child.connected && !child.killed) child.send({ close: true } satisfies PdfReaderRequest);
  if (child.killed) return;
  await returnReader(job.maxMemoryMb, child);
}

/** How long a request may take and how much memory its reader may use. */
interface Bounds {
  maxMemoryMb: number;
  timeoutMs: number;
  /** When the file's time is up (Date.now() clock), whichever readers read it. */
  deadline: number;
}

/** An answer that is not a refusal. */
type PdfReaderAnswer = Extract<PdfReaderReply, { ok: true }>;

/** Asks a reader for pages first to last of the job's file. */
async function readPart(child: ChildProcess, job: FileJob, first: number, last: number): Promise<PdfText> {
  const answer = await ask(child, job, (id) => ({ id, file: job.file, path: job.path, first, last }));
  if (!("text" in answer)) throw new Error("the PDF reader answered an inspection");
  return answer;
}

/** Sends a reader one request; kills it at the deadline or over its memory limit. */
function ask(
  child: ChildProcess,
  bounds: Bounds,
  request: (id: number) => Exclude<PdfReaderRequest, { close: true }>,
): Promise<PdfReaderAnswer> {
  const { maxMemoryMb } = bounds;
  const limitBytes = maxMemoryMb * 1024 * 1024;
  const pid = child.pid;
  const id = nextId++;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (outcome: PdfReaderAnswer | Error, reusable: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(memoryWatch);
      child.off("message", onMessage);
      child.off("exit", onExit);
      child.off("error", onError);
      if (!reusable) child.kill("SIGKILL");
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onMessage = (reply: PdfReaderReply) => {
      if ("ready" in reply || reply.id !== id) return;
      if (reply.ok) finish(reply, true);
      else finish(new ImportFileError(reply.code, reply.message), true);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      const said = stderrTail.get(child) ?? "";
      // Not the file's fault: the reader could not start (a missing module, a bad install).
      if (!ready.has(child))
        return finish(new Error(`the PDF reader did not start: ${said.trim().slice(-500)}`), false);
      const outOfHeap = /heap out of memory|Allocation failed/i.test(said);
      finish(
        outOfHeap
          ? new ImportFileError("too_large", `reading the PDF needed more than ${maxMemoryMb} MB`)
          : new ImportFileError(
              "corrupt",
              `the PDF reader stopped (${signal ?? `exit code ${code}`}): ${said.trim().slice(-300)}`,
            ),
        false,
      );
    };
    const onError = (error: Error) =>
      finish(new ImportFileError("corrupt", `the PDF reader failed: ${error.message}`, { cause: error }), false);
    const timer = setTimeout(
      () => finish(new ImportFileError("timeout", `reading the PDF took longer than ${bounds.timeoutMs} ms`), false),
      Math.max(0, bounds.deadline - Date.now()),
    );
    let watching = pid !== undefined;
    const memoryWatch = setInterval(() => {
      // Until pdf.js has loaded, the memory is Node's and pdf.js's own, not the file's.
      if (!watching || pid === undefined || !ready.has(child)) return;
      void residentBytes(pid).then((bytes) => {
        if (bytes === null) watching = false;
        else if (bytes > limitBytes) {
          finish(new ImportFileError("too_large", `reading the PDF needed more than ${maxMemoryMb} MB`), false);
        }
      });
    }, MEMORY_POLL_MS);
    child.on("message", onMessage);
    child.on("exit", onExit);
    child.on("error", onError);
    child.send(request(id) satisfies PdfReaderRequest);
  });
}

// Pages per second of the importer's PDF text extraction, beside poppler's pdftotext in the same run.
//
//   npm run bench:import [-- --readers 2] [-- --files <dir or PDF> …] [-- --runs 3] [-- --timeout 60]
//
// The PDFs are ../shared/corpus/books and ../shared/corpus/pdf-samples unless
// --files names others; a folder gives its *.pdf files in the importer's order.
// A first pass reads every file with both tools and keeps the ones both read
// (the others are listed with the reason), so both are timed on the same pages.
// Then, in each of --runs rounds, it times:
//   - pdftotext (Debian poppler-utils), one process per file, 1 and --readers at a time;
//   - extractPdfText with 1 and --readers readers, as the importer calls it (that
//     many files at a time, in order), "cold": readers started inside the timed run,
//     as an import of just these files would; and "warm": readers that have
//     already read the set once, as in the rest of a long import.
// Readers load one bundled script (archive-importer/readerScript.ts), made
// before the first pass if pdf.js or the reader changed since the last run, and
// start from the V8 code cache an earlier reader left (the first pass leaves one
// if there is none): the bench says whether it bundled and how many readers
// found a cache. Each figure is the best of the rounds. The machine may be shared, so each row
// also gives the CPU time the run used (the bench and its child processes), the
// ratio of pdftotext's CPU time to it, and the cores that other processes kept
// busy meanwhile. Linux gives each session an equal share of the cores, so while
// other sessions are busy N processes get about one core, however many there
// are: the ratios by time then say little, and the bench says so. Ends with one
// JSON line.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { closePdfReaders, extractPdfText, pdfReaderStarts, setPdfReaderLimit } from "../archive-importer/pdfText.js";
import { readerScript } from "../archive-importer/readerScript.js";
import { printColumns } from "./table.js";

const GOAL = 0.3;
const corpus = fileURLToPath(new URL("../../shared/corpus/", import.meta.url));

const { values: args } = parseArgs({
  options: {
    readers: { type: "string", default: "2" },
    files: { type: "string", multiple: true },
    runs: { type: "string", default: "3" },
    /** Seconds either tool may spend on one file. */
    timeout: { type: "string", default: "60" },
  },
});
const positive = (name: string, value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`);
  return n;
};
const readers = positive("readers", args.readers);
const runs = positive("runs", args.runs);
const timeoutMs = positive("timeout", args.timeout) * 1000;
const sources = args.files?.length
  ? args.files.map((f) => resolve(f))
  : [join(corpus, "books"), join(corpus, "pdf-samples")];

/** PDFs of a folder (not its subfolders) sorted as the importer sorts, or the file itself. */
function pdfsOf(source: string): string[] {
  if (!statSync(source).isDirectory()) return [source];
  return readdirSync(source, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith(".pdf"))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b))
    .map((name) => join(source, name));
}

interface PdftotextResult {
  ok: boolean;
  /** Form feeds in the output: pdftotext ends every page with one. */
  pages: number;
  reason: string;
}

/** pdftotext on one file, text to a pipe (counted, not kept), killed at the deadline. */
function pdftotext(path: string): Promise<PdftotextResult> {
  return new Promise((done) => {
    const child = spawn("pdftotext", ["-q", "-enc", "UTF-8", path, "-"], { stdio: ["ignore", "pipe", "ignore"] });
    let pages = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      for (let i = chunk.indexOf(12); i !== -1; i = chunk.indexOf(12, i + 1)) pages++;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      done({ ok: false, pages, reason: `pdftotext: ${error.message}` });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") done({ ok: false, pages, reason: `pdftotext: over ${timeoutMs / 1000} s` });
      else done({ ok: code === 0, pages, reason: code === 0 ? "" : `pdftotext: exit code ${code}` });
    });
  });
}

/** Runs `task` on every file, `parallel` at a time, in order: the importer's way. */
async function eachFile(files: readonly string[], parallel: number, task: (file: string) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < files.length) await task(files[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, files.length) }, worker));
}

const TICKS = 100; // USER_HZ: /proc reports CPU time in hundredths of a second on Linux.

/** CPU seconds of this process, its children that have exited and those still running. */
function ourCpuSeconds(): number {
  const fields = (stat: string) => stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const own = fields(readFileSync("/proc/self/stat", "utf8"));
  // utime, stime, cutime, cstime are fields 14–17 of stat; the slice starts at field 3.
  const ticks = (f: string[]) => Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  let total = ticks(own);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const f = fields(readFileSync(`/proc/${entry}/stat`, "utf8"));
      if (Number(f[1]) === process.pid) total += ticks(f);
    } catch {
      // The process ended while we looked.
    }
  }
  return total / TICKS;
}

/** Busy and total CPU time of the whole machine, in seconds. */
function machineCpu(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: (total - idle) / TICKS, total: total / TICKS };
}

interface Measure {
  seconds: number;
  pagesPerSecond: number;
  /** CPU seconds of our processes (the bench and its children) during the run. */
  cpuSeconds: number;
  /** Cores our processes kept busy, on average. */
  ourCores: number;
  /** Cores other processes on the machine kept busy meanwhile. */
  otherCores: number;
  load1: number;
}

async function timed(pages: number, run: () => Promise<void>): Promise<Measure> {
  const cores = availableParallelism();
  const cpu0 = ourCpuSeconds();
  const machine0 = machineCpu();
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = ourCpuSeconds() - cpu0;
  const machine1 = machineCpu();
  const span = (machine1.total - machine0.total) / cores || seconds;
  const ourCores = cpuSeconds / seconds;
  return {
    seconds,
    pagesPerSecond: pages / seconds,
    cpuSeconds,
    ourCores,
    otherCores: Math.max(0, (machine1.busy - machine0.busy) / span - ourCores),
    load1: loadavg()[0]!,
  };
}

/** Files that read in the first pass and failed in a timed run (a deadline missed on a busy machine). */
const lateFailures: string[] = [];

async function readAllWithPdfjs(files: readonly string[], parallel: number): Promise<void> {
  await eachFile(files, parallel, async (file) => {
    await extractPdfText(file, { timeoutMs }).catch((e: unknown) => {
      lateFailures.push(`${file}: pdf.js: ${e instanceof Error ? e.message : String(e)}`);
    });
  });
}

async function readAllWithPdftotext(files: readonly string[], parallel: number): Promise<void> {
  await eachFile(files, parallel, async (file) => {
    const result = await pdftotext(file);
    if (!result.ok) lateFailures.push(`${file}: ${result.reason}`);
  });
}

const fixed = (x: number, digits = 1) => x.toFixed(digits);

async function main(): Promise<void> {
  const version = spawnSync("pdftotext", ["-v"], { encoding: "utf8" });
  if (version.error) throw new Error("pdftotext is not installed: apt-get install poppler-utils");
  const pdftotextVersion = /pdftotext version (\S+)/.exec(version.stderr)?.[1] ?? "unknown";
  const all = sources.flatMap(pdfsOf);
  if (!all.length) throw new Error(`no PDFs in ${sources.join(", ")}`);
  const label = (file: string) => (relative(corpus, file).startsWith("..") ? file : relative(corpus, file));

  // The readers' script is bundled once per change of pdf.js or the reader's code, as an import does.
  const { bundledMs } = await readerScript();
  console.log(
    bundledMs === null
      ? "the PDF readers' script was bundled before this run"
      : `the PDF readers' script was bundled now, in ${fixed(bundledMs / 1000, 2)} s (once per change of pdf.js or the reader)`,
  );

  // The first pass: which files both tools read, and their pages (pdf.js's count; pdftotext's must agree).
  // Its readers also leave the V8 code cache that readers started later find, as any earlier import's would.
  console.log(`reading ${all.length} PDFs once with both tools …`);
  const startsBefore = pdfReaderStarts();
  setPdfReaderLimit(readers);
  const files: string[] = [];
  const excluded: { file: string; reason: string }[] = [];
  const disagree: { file: string; pdfjs: number; pdftotext: number }[] = [];
  let pages = 0;
  for (const file of all) {
    const [mine, theirs] = await Promise.all([
      extractPdfText(file, { timeoutMs }).then(
        (r) => ({ pages: r.pages, reason: "" }),
        (e: unknown) => ({ pages: -1, reason: `pdf.js: ${e instanceof Error ? e.message : String(e)}` }),
      ),
      pdftotext(file),
    ]);
    if (mine.pages < 0 || !theirs.ok) {
      excluded.push({ file: label(file), reason: [mine.reason, theirs.reason].filter(Boolean).join("; ") });
      continue;
    }
    if (mine.pages !== theirs.pages) disagree.push({ file: label(file), pdfjs: mine.pages, pdftotext: theirs.pages });
    files.push(file);
    pages += mine.pages;
  }
  await closePdfReaders();
  if (!files.length) throw new Error("no PDF was read by both tools");
  const firstPassStarts = pdfReaderStarts();

  const counts = readers === 1 ? [1] : [1, readers];
  const rows: { key: string; label: string; run: () => Promise<Measure> }[] = [];
  for (const n of counts) {
    rows.push({
      key: `pdftotext.${n}`,
      label: `pdftotext, ${n} process${n === 1 ? "" : "es"}`,
      run: () => timed(pages, () => readAllWithPdftotext(files, n)),
    });
  }
  for (const n of counts) {
    const plural = n === 1 ? "" : "s";
    rows.push(
      {
        key: `pdfjs.${n}.cold`,
        label: `pdf.js, ${n} reader${plural}, started in the run`,
        run: async () => {
          await closePdfReaders();
          setPdfReaderLimit(n);
          // Closing is part of the run: a reader's CPU time is counted once it has exited.
          return timed(pages, async () => {
            await readAllWithPdfjs(files, n);
            await closePdfReaders();
          });
        },
      },
      {
        key: `pdfjs.${n}.warm`,
        label: `pdf.js, ${n} reader${plural}, warm`,
        run: async () => {
          await closePdfReaders();
          setPdfReaderLimit(n);
          await readAllWithPdfjs(files, n);
          return timed(pages, () => readAllWithPdfjs(files, n));
        },
      },
    );
  }

  const best = new Map<string, Measure>();
  const every = new Map<string, number[]>();
  const load0 = loadavg();
  for (let round = 1; round <= runs; round++) {
    for (const row of rows) {
      const m = await row.run();
      every.set(row.key, [...(every.get(row.key) ?? []), m.pagesPerSecond]);
      const prev = best.get(row.key);
      if (!prev || m.pagesPerSecond > prev.pagesPerSecond) best.set(row.key, m);
      console.log(
        `  round ${round}: ${row.label.padEnd(40)} ${fixed(m.pagesPerSecond).padStart(7)} pages/s, load ${fixed(m.load1, 2)}, others ${fixed(m.otherCores, 2)} cores`,
      );
    }
  }
  await closePdfReaders();
  const load1 = loadavg();
  const timedStarts = pdfReaderStarts();
  const readerStarts = {
    firstPass: firstPassStarts.readers - startsBefore.readers,
    firstPassWithCodeCache: firstPassStarts.withCodeCache - startsBefore.withCodeCache,
    timed: timedStarts.readers - firstPassStarts.readers,
    timedWithCodeCache: timedStarts.withCodeCache - firstPassStarts.withCodeCache,
  };

  const baseline = best.get(`pdftotext.${readers}`)!;
  const header = [
    "run",
    "files",
    "pages",
    "seconds",
    "pages/s",
    "× pdftotext",
    "CPU s",
    "× pdftotext by CPU",
    "our cores",
    "others' cores",
  ];
  const lines = rows.map(({ key, label }) => {
    const m = best.get(key)!;
    return [
      label,
      String(files.length),
      String(pages),
      fixed(m.seconds, 2),
      fixed(m.pagesPerSecond),
      fixed(m.pagesPerSecond / baseline.pagesPerSecond, 2),
      fixed(m.cpuSeconds, 2),
      fixed(baseline.cpuSeconds / m.cpuSeconds, 2),
      fixed(m.ourCores, 2),
      fixed(m.otherCores, 2),
    ];
  });
  console.log(
    `\nPDF text extraction, best of ${runs} (pdftotext ${pdftotextVersion}; ${availableParallelism()} cores; load ${load0.map((l) => fixed(l, 2)).join(" ")} at the start, ${load1.map((l) => fixed(l, 2)).join(" ")} at the end)\n`,
  );
  printColumns(header, lines, { rule: true });
  console.log(
    `\nreaders started: ${readerStarts.firstPass} in the first pass (${readerStarts.firstPassWithCodeCache} from a code cache), ` +
      `${readerStarts.timed} in the timed runs (${readerStarts.timedWithCodeCache} from a code cache)`,
  );
  if (excluded.length) {
    console.log(`\nleft out (not read by both):`);
    for (const e of excluded) console.log(`  ${e.file}: ${e.reason}`);
  }
  if (lateFailures.length) {
    console.log(`\nfailed in a timed run after reading in the first pass:`);
    for (const f of lateFailures) console.log(`  ${f}`);
  }
  if (disagree.length) {
    console.log(`\npage counts that differ (pdf.js's counted):`);
    for (const d of disagree) console.log(`  ${d.file}: pdf.js ${d.pdfjs}, pdftotext ${d.pdftotext}`);
  }
  const scale = (a: string, b: string) => best.get(b)!.pagesPerSecond / best.get(a)!.pagesPerSecond;
  const cold = best.get(`pdfjs.${readers}.cold`)!;
  const warm = best.get(`pdfjs.${readers}.warm`)!;
  const ratios = {
    cold: cold.pagesPerSecond / baseline.pagesPerSecond,
    warm: warm.pagesPerSecond / baseline.pagesPerSecond,
  };
  if (readers > 1) {
    console.log(
      `\n${readers} at a time vs 1: pdftotext ×${fixed(scale("pdftotext.1", `pdftotext.${readers}`), 2)}, pdf.js started in the run ×${fixed(scale("pdfjs.1.cold", `pdfjs.${readers}.cold`), 2)}, pdf.js warm ×${fixed(scale("pdfjs.1.warm", `pdfjs.${readers}.warm`), 2)}`,
    );
  }
  // Other sessions get an equal share of the cores (the kernel groups processes by
  // session), so on a busy machine N processes get no more than one: the wall-clock
  // ratios then compare whatever share each run got, and CPU time is the better guide.
  const busiest = Math.max(...[...best.values()].map((m) => m.otherCores));
  if (busiest > 0.25) {
    console.log(
      `\nthe machine was busy (other processes kept up to ${fixed(busiest, 2)} cores busy during the best runs): the ratios by time are not comparable with a quiet machine's; see "by CPU"`,
    );
  }
  const goal = (ratio: number, what: string) =>
    console.log(`  ${ratio >= GOAL ? "met    " : "NOT met"}  ${what} ≥ ${GOAL}× pdftotext: ${fixed(ratio, 2)}×`);
  console.log("goals:");
  goal(ratios.cold, `pdf.js with ${readers} readers started in the run`);
  goal(ratios.warm, `pdf.js with ${readers} warm readers`);

  const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
  console.log(
    JSON.stringify({
      bench: "import",
      at: new Date().toISOString(),
      readers,
      runs,
      cores: availableParallelism(),
      pdftotext: pdftotextVersion,
      files: files.length,
      pages,
      excluded,
      lateFailures,
      loadavg: { start: load0.map((l) => round(l, 2)), end: load1.map((l) => round(l, 2)) },
      results: Object.fromEntries(
        rows.map(({ key }) => {
          const m = best.get(key)!;
          return [
            key,
            {
              seconds: round(m.seconds),
              pagesPerSecond: round(m.pagesPerSecond, 1),
              allPagesPerSecond: every.get(key)!.map((x) => round(x, 1)),
              cpuSeconds: round(m.cpuSeconds, 2),
              ourCores: round(m.ourCores, 2),
              otherCores: round(m.otherCores, 2),
              load1: round(m.load1, 2),
            },
          ];
        }),
      ),
      ratioToPdftotext: { cold: round(ratios.cold), warm: round(ratios.warm) },
      ratioToPdftotextByCpu: {
        cold: round(baseline.cpuSeconds / cold.cpuSeconds),
        warm: round(baseline.cpuSeconds / warm.cpuSeconds),
      },
      readerScriptBundledMs: bundledMs === null ? null : Math.round(bundledMs),
      readerStarts,
      machineBusy: busiest > 0.25,
      ...(readers > 1
        ? {
            scaling: {
              pdftotext: round(scale("pdftotext.1", `pdftotext.${readers}`)),
              pdfjsCold: round(scale("pdfjs.1.cold", `pdfjs.${readers}.cold`)),
              pdfjsWarm: round(scale("pdfjs.1.warm", `pdfjs.${readers}.warm`)),
            },
          }
        : {}),
      goal: GOAL,
      withinGoal: ratios.cold >= GOAL && ratios.warm >= GOAL,
    }),
  );
}

await main();

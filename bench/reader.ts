// The e-library's reader on a large book: bytes and time to the first page, beside downloading the whole file.
//
//   npm run bench:reader [-- --no-build] [-- --pages 500] [-- --runs 3] [-- --dir /tmp/yong-bench/reader] [-- --timeline]
//
// Generates (once, kept under --dir) a PDF of --pages pages, each with text and a picture of its own (pdfkit,
// not linearised: the cross-reference table is at the end, as in most PDFs), puts it in the catalogue as a
// borrowed title (one copy, lent to office.staff1), builds client/dist (unless --no-build and a build exists),
// starts the server in-process on a fresh SQLite database and drives Debian's Chromium. Each run, in a new
// browser context (empty cache) signed in as the borrower:
//   1. the reader: /library/read/:id is opened; the bytes of every answer for the file (as received) are added
//      up until the first page's canvas is drawn (the reader's performance mark, from the navigation's start;
//      also from the reader's opening the file), and every answer must be 206 — a range — never the whole file;
//   2. the download: the same file fetched whole in the same page (fetch → arrayBuffer), timed and counted.
// Goals: the reader fetches at most 15% of the file's bytes and shows the first page in under 1 s on
// loopback. Medians over --runs; ends with one JSON line.
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createCanvas } from "@napi-rs/canvas";
import PDFDocument from "pdfkit";
import type { BrowserContext } from "playwright-core";
import { parseEnv } from "../server/env.js";
import { startServer } from "../server/server.js";
import { LibraryFile, LibraryTitle } from "../server/library/models/index.js";
import { borrow } from "../server/library/services/lending.js";
import { User } from "../server/org/models/index.js";
import { SESSION_COOKIE } from "../server/core/auth.js";
import { ApiClient } from "../tests/helpers/apiClient.js";
import { launchChromium } from "../tests/helpers/chromium.js";
import { printColumns } from "./table.js";

const GOALS = { bytesShare: 0.15, firstPageMs: 1000 };
const PASSWORD = "Bench#Reader2026";
const TIMEOUT = 60_000;
/** Bumped whenever the generated book changes: a kept file of another version is made again. */
const GENERATOR = 2;
const root = fileURLToPath(new URL("..", import.meta.url));

const { values: args } = parseArgs({
  options: {
    "no-build": { type: "boolean", default: false },
    pages: { type: "string", default: "500" },
    runs: { type: "string", default: "3" },
    dir: { type: "string", default: join(tmpdir(), "yong-bench", "reader") },
    timeline: { type: "boolean", default: false },
  },
});
const pages = Number(args.pages);
const runs = Number(args.runs);

/** A picture of its own for each page (a seeded pattern, so no two pages share an image), as JPEG. */
function pagePicture(n: number): Buffer {
  const canvas = createCanvas(480, 320);
  const ctx = canvas.getContext("2d");
  let seed = (n * 2_654_435_761) >>> 0;
  const random = () => {
    seed = (seed * 1_664_525 + 1_013_904_223) >>> 0;
    return seed / 2 ** 32;
  };
  ctx.fillStyle = `hsl(${n % 360} 40% 85%)`;
  ctx.fillRect(0, 0, 480, 320);
  for (let i = 0; i < 160; i += 1) {
    ctx.fillStyle = `hsl(${Math.floor(random() * 360)} 60% ${30 + Math.floor(random() * 50)}%)`;
    ctx.beginPath();
    ctx.arc(random() * 480, random() * 320, 4 + random() * 40, 0, Math.PI * 2);
    ctx.fill();
  }
  return canvas.toBuffer("image/jpeg", 80);
}

const LINE =
  "The reader fetches only the byte ranges a page needs: its objects, fonts and images, never the whole book. ";

/** The book: text and a picture per page, written by pdfkit (not linearised). Kept under --dir. */
async function generateBook(): Promise<string> {
  mkdirSync(args.dir, { recursive: true });
  const path = join(args.dir, `book-${pages}-v${GENERATOR}.pdf`);
  if (existsSync(path)) return path;
  // bufferPages: the page dictionaries are written together at the end (as most producers keep them together,
  // or in a balanced tree). pdf.js fetches every kid of the top-level page tree when it opens a file; spread
  // through the file one page at a time, as pdfkit writes them otherwise, they would cost the whole file.
  const doc = new PDFDocument({
    size: "A4",
    margin: 56,
    autoFirstPage: false,
    bufferPages: true,
    info: { Title: "Reader bench" },
  });
  const out = createWriteStream(`${path}.part`);
  doc.pipe(out);
  for (let n = 1; n <= pages; n += 1) {
    doc.addPage();
    doc
      .font("Helvetica-Bold")
      .fontSize(20)
      .text(`Chapter ${Math.ceil(n / 10)}, page ${n}`);
    doc.moveDown(0.5);
    doc.image(pagePicture(n), { fit: [480, 320] });
    doc.moveDown(0.5);
    doc.font("Helvetica").fontSize(10).text(LINE.repeat(12));
  }
  doc.end();
  await finished(out);
  renameSync(`${path}.part`, path);
  return path;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

interface Run {
  readerBytes: number;
  readerRanges: number;
  wholeAnswers: number;
  firstPageMs: number;
  /** From the reader's opening the file (getDocument) to the first page: the ranges' part of firstPageMs. */
  fromOpenMs: number;
  downloadBytes: number;
  downloadMs: number;
}

async function main(): Promise<void> {
  const built = existsSync(join(root, "client/dist/index.html"));
  if (!args["no-build"] || !built) {
    console.log("building the client …");
    const result = spawnSync(join(root, "node_modules/.bin/vite"), ["build", "--config", "client/vite.config.ts"], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (result.status !== 0) throw new Error("vite build failed");
  }
  console.log(`generating a ${pages}-page PDF (kept in ${args.dir}) …`);
  const book = await generateBook();
  const size = statSync(book).size;

  const dataDir = mkdtempSync(join(tmpdir(), "yong-bench-reader-"));
  const server = await startServer(
    parseEnv({
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: `sqlite:${join(dataDir, "bench.sqlite")}`,
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      PASSWORD_HASH_MEMORY_KIB: "1024",
      SEED_DEMO: "true",
      SERVE_CLIENT: "true",
      SMTP_PORT: "off",
      SUBMISSION_PORT: "off",
      SMTPS_PORT: "off",
    }),
  );
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  try {
    const account = server.demoAccounts.find((a) => a.username === "office.staff1");
    if (!account) throw new Error("no demo account office.staff1");
    const client = new ApiClient(server.url);
    await client.post("/api/auth/login", { username: account.username, password: account.password });
    await client.post("/api/auth/password", { currentPassword: account.password, newPassword: PASSWORD });

    const title = await LibraryTitle.create({ title: "阅读器基准 500 页", licenceModel: "copies", copies: 1 });
    const blob = await server.blobs.put(book);
    const file = await LibraryFile.create({
      titleId: title.id,
      sha256: blob.sha256,
      size: blob.size,
      mediaType: "application/pdf",
      pageCount: pages,
    });
    const patron = await User.findOne({ where: { username: account.username } });
    await borrow(patron!.id, title.id, "staff");
    const fileUrl = `/api/library/titles/${title.id}/files/${file.id}/content`;

    const results: Run[] = [];
    for (let run = 0; run < runs; run += 1) {
      const login = new ApiClient(server.url);
      await login.post("/api/auth/login", { username: account.username, password: PASSWORD });
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      contexts.push(context);
      await context.addCookies([
        { name: SESSION_COOKIE, value: login.cookie(SESSION_COOKIE)!, url: server.url },
        { name: "yo_csrf", value: login.cookie("yo_csrf") ?? "", url: server.url },
      ]);
      const page = await context.newPage();
      // Bytes as received on the wire (CDP): an answer dropped half-way counts what arrived, not its Content-Length.
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      const fileRequests = new Map<string, number>();
      let readerBytes = 0;
      let readerRanges = 0;
      let wholeAnswers = 0;
      let counting = true;
      cdp.on("Network.responseReceived", (event) => {
        if (!counting || !event.response.url.includes(fileUrl)) return;
        fileRequests.set(event.requestId, event.response.status);
        if (event.response.status === 206) readerRanges += 1;
        else wholeAnswers += 1;
      });
      cdp.on("Network.dataReceived", (event) => {
        if (counting && fileRequests.has(event.requestId)) readerBytes += event.encodedDataLength || event.dataLength;
      });
      await page.goto(`${server.url}/library/read/${title.id}`, { timeout: TIMEOUT });
      await page.waitForFunction(() => performance.getEntriesByName("yong:reader-first-page").length > 0, undefined, {
        timeout: TIMEOUT,
      });
      const { firstPageMs, fromOpenMs } = await page.evaluate(() => {
        const first = performance.getEntriesByName("yong:reader-first-page")[0]!.startTime;
        const open = performance.getEntriesByName("yong:reader-open")[0]?.startTime ?? 0;
        return { firstPageMs: first, fromOpenMs: first - open };
      });
      counting = false;
      // --timeline: what the first run's page loaded and when, to see where the time to the first page goes.
      if (args.timeline && run === 0)
        console.log(
          await page.evaluate(() =>
            performance
              .getEntries()
              .filter((e) => e.entryType === "resource" || e.entryType === "mark")
              .map((e) => `${Math.round(e.startTime)} ms +${Math.round(e.duration)}  ${e.name}`)
              .join("\n"),
          ),
        );
      // The whole file, in the same page and session: what a download costs.
      const download = await page.evaluate(async (url) => {
        const started = performance.now();
        const res = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        const bytes = (await res.arrayBuffer()).byteLength;
        return { bytes, ms: performance.now() - started, status: res.status };
      }, fileUrl);
      if (download.status !== 200 || download.bytes !== size)
        throw new Error(`the download answered ${download.status}`);
      results.push({
        readerBytes,
        readerRanges,
        wholeAnswers,
        firstPageMs,
        fromOpenMs,
        downloadBytes: download.bytes,
        downloadMs: download.ms,
      });
      await context.close();
    }

    const figures = {
      readerBytes: median(results.map((r) => r.readerBytes)),
      readerRanges: median(results.map((r) => r.readerRanges)),
      // Answers other than 206: the reader asks for ranges only, from its first request on (none expected).
      wholeFileAnswers: Math.max(...results.map((r) => r.wholeAnswers)),
      firstPageMs: Math.round(median(results.map((r) => r.firstPageMs))),
      fromOpenMs: Math.round(median(results.map((r) => r.fromOpenMs))),
      downloadBytes: median(results.map((r) => r.downloadBytes)),
      downloadMs: Math.round(median(results.map((r) => r.downloadMs))),
    };
    const bytesShare = figures.readerBytes / size;
    printColumns(
      ["", "bytes", "share", "requests", "time"],
      [
        [
          "reader, to the first page",
          mb(figures.readerBytes),
          `${(bytesShare * 100).toFixed(1)}%`,
          `${figures.readerRanges} ranges`,
          `${figures.firstPageMs} ms (${figures.fromOpenMs} ms from opening the file)`,
        ],
        ["download of the whole file", mb(figures.downloadBytes), "100%", "1", `${figures.downloadMs} ms`],
      ],
      { rule: true },
    );
    console.log(
      `book: ${pages} pages, ${mb(size)}, not linearised; medians of ${runs} runs, each in a new browser context`,
    );
    console.log(
      JSON.stringify({
        bench: "reader",
        pages,
        fileBytes: size,
        runs,
        ...figures,
        bytesShare: Number(bytesShare.toFixed(4)),
        goals: GOALS,
        withinGoals:
          bytesShare <= GOALS.bytesShare && figures.firstPageMs < GOALS.firstPageMs && figures.wholeFileAnswers === 0,
      }),
    );
  } finally {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

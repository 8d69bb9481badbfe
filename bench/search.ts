// Query times of the archive's search on the embedded index and on Elasticsearch, in the same run.
//
//   npm run bench:search [-- --records 1000000] [-- --runs 5] [-- --dir /tmp/yong-bench/search]
//                        [-- --port 9207] [-- --only embedded|elasticsearch] [-- --keep-es] [-- --rebuild]
//
// Records are generated from ../shared/corpus/laws, read as the importer reads
// them (text, title, organs, type, category, validity): each has ~1,000
// characters cut from a law at a seeded offset, a title that is the law's or a
// Nanning unit's 公文 about it (意见, 通知, 报告 … with the unit and the year),
// a 文号 in the house form (南府发〔2006〕12号) numbered per 机关代字 and year,
// a date in 1983–2024 (recent years denser; a record only draws on laws of
// its year or before), ~80% 公开. The sequence is seeded, so both backends get
// the same records. They are indexed as the archive indexes them
// (toSearchDocument), 2,000 at a time through the SearchBackend interface, once:
// each index is kept (--dir for the embedded file; Elasticsearch's data under
// ~/.cache/yong-elasticsearch/run-<port>) with a marker of its size and
// generator version, and is rebuilt only when the marker or its document count
// does not match (or with --rebuild). Indexes of different sizes sit side by
// side (file embedded-<records>.sqlite, index yong-bench-<records>-archive).
//
// Elasticsearch: ELASTICSEARCH_URL when set; else a node on 127.0.0.1:--port,
// started with ../shared/tools/elasticsearch/start-es.sh (ES_HEAP 4g unless
// set) when none answers there, and stopped at the end unless --keep-es. A
// node the bench did not start is never stopped.
//
// The queries are the archive's public search (archiveSearchQuery: 公开 only,
// the five facets, 20 a page), as GET /api/archive/search sends them. After a
// warm-up pass on each backend, --runs rounds run the whole set on one backend
// and then on the other, the order alternating round by round so that both
// see the same machine noise; one query at a time, never both backends at
// once. p50/p95 are nearest-rank over the runs (with 5 runs a query's p95 is
// its slowest). Ends with one JSON line.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { Client } from "@elastic/elasticsearch";
import { extractText } from "../archive-importer/extract.js";
import { docTypeOfTitle, metadataFromText } from "../archive-importer/metadata.js";
import { listFiles } from "../archive-importer/run.js";
import { readSidecar } from "../archive-importer/sidecar.js";
import type { Openness, Validity } from "../server/archive/models/index.js";
import {
  ARCHIVE_COLLECTION,
  archiveSearchQuery,
  toSearchDocument,
  type ArchiveSearch,
  type IndexedRecord,
} from "../server/archive/services/records.js";
import { openElasticsearchSearch } from "../server/search/elasticsearch.js";
import { openEmbeddedSearch } from "../server/search/embedded.js";
import type { SearchBackend, SearchDocument, SearchQuery, SearchResult } from "../server/search/types.js";
import { printColumns } from "./table.js";

/** Bumped whenever the records generated change: a cached index of another version is rebuilt. */
const GENERATOR = 1;
const SEED = 0x5eed_9001;
const GOAL_MS = 50;
const BATCH = 2_000;
const PUBLIC: readonly Openness[] = ["公开"];
const corpus = fileURLToPath(new URL("../../shared/corpus/laws/", import.meta.url));
const startEs = fileURLToPath(new URL("../../shared/tools/elasticsearch/start-es.sh", import.meta.url));
const searchCode = fileURLToPath(new URL("../server/search/", import.meta.url));

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    runs: { type: "string", default: "5" },
    dir: { type: "string", default: "/tmp/yong-bench/search" },
    port: { type: "string", default: "9207" },
    only: { type: "string" },
    "keep-es": { type: "boolean", default: false },
    rebuild: { type: "boolean", default: false },
  },
});
const positive = (name: string, value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`);
  return n;
};
const recordCount = positive("records", args.records);
const runs = positive("runs", args.runs);
const port = positive("port", args.port);
if (args.only !== undefined && args.only !== "embedded" && args.only !== "elasticsearch") {
  throw new Error("--only is embedded or elasticsearch");
}
const names = args.only ? [args.only] : ["embedded", "elasticsearch"];
type BackendName = "embedded" | "elasticsearch";

/* ---------- the records ---------- */

/** mulberry32: a small seeded generator, so that every run (and both backends) get the same records. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Law {
  title: string;
  /** The title without 中华人民共和国, as a 公文 about it names it. */
  short: string;
  issuers: string[];
  docType: string | null;
  category: string | null;
  validity: Validity;
  subjects: string[];
  text: string;
  /** Year of the version (0 when unknown): a record only refers to laws of its year or before. */
  year: number;
}

/** The laws as the importer reads them: its text extraction, metadata from the text, and metadata.json. */
async function readLaws(): Promise<Law[]> {
  const { files } = await listFiles(corpus);
  const sidecar = await readSidecar(join(corpus, "metadata.json"));
  const laws: Law[] = [];
  for (const file of files) {
    const { text } = await extractText(file);
    // A few case summaries are a paragraph long; a record needs a page of text.
    if (text.length < 400) continue;
    const meta = metadataFromText(text, basename(file));
    const side = sidecar.lookup(file, meta.title) ?? {};
    const title = side.title ?? meta.title ?? basename(file, ".md");
    const issuedOn = side.issuedOn ?? meta.issuedOn;
    laws.push({
      title,
      short: title.replace(/^中华人民共和国/u, ""),
      issuers: side.issuer ?? meta.issuer,
      docType: side.docType ?? meta.docType,
      category: side.category ?? meta.category,
      validity: side.validity ?? meta.validity ?? "有效",
      subjects: side.subjects ?? meta.subjects,
      text,
      year: issuedOn ? Number(issuedOn.slice(0, 4)) : 0,
    });
  }
  if (laws.length === 0) throw new Error(`no laws read from ${corpus}`);
  return laws.sort((a, b) => a.year - b.year);
}

interface Unit {
  name: string;
  /** 机关代字 of its 文号. */
  codes: string[];
  category: string;
  /** Years the unit issued documents under this name. */
  from?: number;
  until?: number;
}

/** Nanning's units (and the region's government) under the names of their time. */
const UNITS: Unit[] = [
  { name: "南宁市人民政府", codes: ["南府发", "南府函", "南府规"], category: "综合政务" },
  { name: "南宁市人民政府办公室", codes: ["南府办发", "南府办函"], category: "综合政务" },
  { name: "南宁市教育局", codes: ["南教发"], category: "教育" },
  { name: "南宁市财政局", codes: ["南财发"], category: "财政" },
  { name: "南宁市地方税务局", codes: ["南地税发"], category: "税务", until: 2017 },
  { name: "国家税务总局南宁市税务局", codes: ["南税发"], category: "税务", from: 2018 },
  { name: "南宁市国土资源局", codes: ["南国土资发"], category: "国土资源", until: 2018 },
  { name: "南宁市自然资源局", codes: ["南自然资发"], category: "国土资源", from: 2019 },
  { name: "南宁市环境保护局", codes: ["南环发"], category: "环境保护", until: 2018 },
  { name: "南宁市生态环境局", codes: ["南环发"], category: "环境保护", from: 2019 },
  { name: "南宁市住房和城乡建设局", codes: ["南住建发"], category: "城乡建设" },
  { name: "南宁市卫生局", codes: ["南卫发"], category: "卫生健康", until: 2013 },
  { name: "南宁市卫生健康委员会", codes: ["南卫健发"], category: "卫生健康", from: 2019 },
  { name: "南宁市人力资源和社会保障局", codes: ["南人社发"], category: "劳动就业", from: 2010 },
  { name: "南宁市公安局", codes: ["南公发"], category: "公安司法" },
  { name: "南宁市市场监督管理局", codes: ["南市监发"], category: "市场监管", from: 2015 },
  { name: "南宁市青秀区人民政府", codes: ["青政发"], category: "综合政务", from: 2005 },
  { name: "南宁市兴宁区人民政府", codes: ["兴政发"], category: "综合政务" },
  { name: "南宁市西乡塘区人民政府", codes: ["西政发"], category: "综合政务", from: 2005 },
  { name: "武鸣县人民政府", codes: ["武政发"], category: "综合政务", until: 2014 },
  { name: "南宁市武鸣区人民政府", codes: ["武政发"], category: "综合政务", from: 2015 },
  { name: "广西壮族自治区人民政府", codes: ["桂政发", "桂政函"], category: "综合政务" },
  { name: "广西壮族自治区人民政府办公厅", codes: ["桂政办发"], category: "综合政务" },
];

/** 机关代字 of the corpus's organs; the legislatures and the military commission number their texts as 令, not 文号. */
const ORGAN_CODES: Record<string, string[] | null> = {
  国务院: ["国发", "国函"],
  国务院办公厅: ["国办发", "国办函"],
  最高人民法院: ["法释", "法发"],
  最高人民检察院: ["高检发"],
  公安部: ["公通字"],
  全国人民代表大会: null,
  全国人民代表大会常务委员会: null,
  中央军事委员会: null,
};

/** A 机关代字 for an organ: the table's, else the organ's first two characters (国家 left off) and 发. */
function organCodes(organ: string): string[] | null {
  if (organ in ORGAN_CODES) return ORGAN_CODES[organ] ?? null;
  const stem = organ.replace(/^(?:中华人民共和国|国家)/u, "");
  return stem.length >= 2 ? [`${stem.slice(0, 2)}发`] : null;
}

const FIRST_YEAR = 1983;
const LAST_YEAR = 2024;

/** Cumulative year weights: an archive holds more of recent years (2024 ~15× 1983). */
const YEARS = (() => {
  const weights = Array.from({ length: LAST_YEAR - FIRST_YEAR + 1 }, (_, i) => (i + 3) ** 1.1);
  const sum = weights.reduce((a, b) => a + b, 0);
  let running = 0;
  return weights.map((w) => (running += w / sum));
})();

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** ~1,000 characters of a law from a seeded offset, starting at a line when one begins near it. */
function excerpt(random: () => number, text: string): string {
  const length = 900 + Math.floor(random() * 200);
  if (text.length <= length) return text;
  let start = Math.floor(random() * (text.length - length));
  const line = text.indexOf("\n", start);
  if (line !== -1 && line < start + 200 && line + 1 + length <= text.length) start = line + 1;
  // Never start on the second half of a surrogate pair.
  if (/[\udc00-\udfff]/u.test(text[start] ?? "")) start += 1;
  return text.slice(start, start + length);
}

const ADDRESSEES = "各县、区人民政府，市政府各组成部门、各直属机构：\n";
const FORMAT_NOTE = "公文格式按照GB/T 9704—2012《党政机关公文格式》执行。\n";

/**
 * The records of a run, in order; the same for the same count and GENERATOR.
 * About a third are a law itself (its title, sometimes as revised in the
 * record's year, its organs), the rest a unit's 公文 about a law.
 */
function* generateRecords(count: number, laws: readonly Law[]): Generator<IndexedRecord> {
  const random = seeded(SEED);
  const serials = new Map<string, number>();
  const unitsOf = new Map<number, Unit[]>();
  const lawsOf = new Map<number, readonly Law[]>();
  for (let year = FIRST_YEAR; year <= LAST_YEAR; year++) {
    unitsOf.set(
      year,
      UNITS.filter((u) => (u.from ?? 0) <= year && year <= (u.until ?? 9999)),
    );
    // The laws are sorted by year: those of the year and before are a prefix.
    const known = laws.findIndex((law) => law.year > year);
    lawsOf.set(year, known === -1 ? laws : laws.slice(0, Math.max(1, known)));
  }
  const docNumber = (codes: readonly string[] | null, year: number) => {
    if (!codes) return null;
    const code = pick(random, codes);
    const serial = (serials.get(`${code}${year}`) ?? 0) + 1;
    serials.set(`${code}${year}`, serial);
    return `${code}〔${year}〕${serial}号`;
  };
  for (let id = 1; id <= count; id++) {
    const u = random();
    const year = FIRST_YEAR + YEARS.findIndex((c) => u < c);
    const law = pick(random, lawsOf.get(year)!);
    const issuedOn = `${year}-${String(1 + Math.floor(random() * 12)).padStart(2, "0")}-${String(1 + Math.floor(random() * 28)).padStart(2, "0")}`;
    const body = excerpt(random, law.text);
    const openness: Openness = random() < 0.8 ? "公开" : "内部";
    const common = { id, issuedOn, openness, subjects: law.subjects };
    if (random() < 0.35) {
      const revised = random() < 0.2;
      const title = revised ? `${law.title}(${year}年修订)` : law.title;
      const first = law.issuers[0];
      yield {
        ...common,
        title,
        docNumber: first && random() < 0.7 ? docNumber(organCodes(first), year) : null,
        issuers: law.issuers,
        docType: law.docType ?? docTypeOfTitle(title),
        category: law.category,
        validity: law.validity,
        body,
      };
      continue;
    }
    const unit = pick(random, unitsOf.get(year)!);
    const issuers = random() < 0.05 ? [unit.name, pick(random, UNITS).name] : [unit.name];
    const superior = law.issuers[0] ?? "广西壮族自治区人民政府";
    const kind = Math.floor(random() * 6);
    const title = [
      `${unit.name}关于贯彻实施《${law.title}》的意见`,
      `${unit.name}关于印发《${law.short}实施细则》的通知`,
      `${unit.name}转发${superior}关于${law.short}有关问题的通知`,
      `${unit.name}关于开展${year}年${law.short}执法检查的通知`,
      `${unit.name}关于${year}年${law.short}实施情况的报告`,
      `${unit.name}关于${law.short}适用问题的请示`,
    ][kind]!;
    const head =
      kind === 1
        ? `${ADDRESSEES}现将《${law.short}实施细则》印发给你们，请认真贯彻执行。\n`
        : kind === 2 || kind === 3
          ? ADDRESSEES
          : "";
    const note = kind === 1 && random() < 0.02 ? FORMAT_NOTE : "";
    const v = random();
    const old = year < 2000;
    const validity: Validity = v < (old ? 0.3 : 0.05) ? "已废止" : v < (old ? 0.45 : 0.1) ? "已修订" : "有效";
    yield {
      ...common,
      title,
      docNumber: docNumber(unit.codes, year),
      issuers,
      docType: docTypeOfTitle(title),
      category: unit.category,
      validity,
      body: `${head}${note}${body}`,
    };
  }
}

/** A public record's 文号 from about a third of the way in, as a person types it: square brackets. */
function lookupDocNumber(laws: readonly Law[]): string {
  const from = Math.floor(recordCount / 3);
  let seen = 0;
  for (const record of generateRecords(recordCount, laws)) {
    if (++seen < from || record.openness !== "公开" || !record.docNumber?.startsWith("南府发")) continue;
    return record.docNumber.replace("〔", "[").replace("〕", "]");
  }
  throw new Error("no public record with a 南府发 文号 after a third of the records");
}

/* ---------- the indexes ---------- */

interface BuildFigures {
  cached: boolean;
  seconds: number;
  docsPerSecond: number;
  builtAt: string;
  /** Size on disk, taken at the end of the run (the embedded file once closed, its write-ahead log folded in). */
  bytes?: number;
}

interface Marker {
  records: number;
  generator: number;
  /** analysis.ts and the backend's file when it was built: a change is reported, not rebuilt. */
  code: string;
  seconds: number;
  docsPerSecond: number;
  builtAt: string;
}

function codeHash(backend: BackendName): string {
  const hash = createHash("sha256");
  for (const file of ["analysis.ts", `${backend}.ts`]) hash.update(readFileSync(join(searchCode, file)));
  return hash.digest("hex").slice(0, 12);
}

function readMarker(path: string): Marker | null {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Marker;
  } catch {
    return null;
  }
}

/** Documents in the index: every one is in a year, and with a facet both backends count exactly. */
async function documentCount(backend: SearchBackend): Promise<number> {
  const result = await backend.search({ collection: ARCHIVE_COLLECTION, text: "", facets: ["year"], pageSize: 1 });
  return result.totalExact ? result.total : -1;
}

/**
 * Upserts every record, BATCH at a time, two batches in flight: Elasticsearch's
 * backend tokenises a batch in this process while the node indexes the one before.
 */
async function fill(backend: SearchBackend, laws: readonly Law[]): Promise<number> {
  const t0 = performance.now();
  let batch: SearchDocument[] = [];
  let written = 0;
  let reported = 0;
  const inFlight: Promise<void>[] = [];
  const flush = async () => {
    if (inFlight.length >= 2) await inFlight.shift();
    const documents = batch;
    batch = [];
    const pending = backend.upsert(documents).then(() => {
      written += documents.length;
      const seconds = (performance.now() - t0) / 1000;
      if (written - reported >= recordCount / 50 || written === recordCount) {
        reported = written;
        const rate = written / seconds;
        console.log(
          `  ${backend.name}: ${written.toLocaleString("en")} / ${recordCount.toLocaleString("en")}, ${rate.toFixed(0)} docs/s, ${minutes(seconds)} so far, ETA ${minutes((recordCount - written) / rate)}`,
        );
      }
    });
    inFlight.push(pending);
  };
  for (const record of generateRecords(recordCount, laws)) {
    batch.push(toSearchDocument(record));
    if (batch.length === BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  await Promise.all(inFlight);
  return (performance.now() - t0) / 1000;
}

const minutes = (seconds: number) =>
  seconds >= 90 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;

/**
 * Reuses the index when its marker and document count say it is complete;
 * otherwise clears it, fills it and writes the marker.
 */
async function ensureIndex(
  name: BackendName,
  backend: SearchBackend,
  markerPath: string,
  laws: readonly Law[],
): Promise<BuildFigures> {
  const code = codeHash(name);
  const marker = args.rebuild ? null : readMarker(markerPath);
  if (marker?.records === recordCount && marker.generator === GENERATOR) {
    const count = await documentCount(backend);
    if (count === recordCount) {
      if (marker.code !== code) {
        console.log(
          `  ${name}: the index was built by other search code (analysis.ts or ${name}.ts changed since); --rebuild to build it with this one`,
        );
      }
      console.log(`  ${name}: cached index of ${recordCount.toLocaleString("en")} records (built ${marker.builtAt})`);
      return { cached: true, ...pickFigures(marker) };
    }
    console.log(`  ${name}: marker says complete but the index holds ${count} documents: rebuilding`);
  }
  rmSync(markerPath, { force: true });
  await backend.clear(ARCHIVE_COLLECTION);
  console.log(`  ${name}: indexing ${recordCount.toLocaleString("en")} records …`);
  const seconds = await fill(backend, laws);
  const count = await documentCount(backend);
  if (count !== recordCount) throw new Error(`${name}: ${count} documents indexed, expected ${recordCount}`);
  const built: Marker = {
    records: recordCount,
    generator: GENERATOR,
    code,
    seconds,
    docsPerSecond: recordCount / seconds,
    builtAt: new Date().toISOString(),
  };
  writeFileSync(markerPath, JSON.stringify(built));
  return { cached: false, ...pickFigures(built) };
}

const pickFigures = (m: Marker) => ({ seconds: m.seconds, docsPerSecond: m.docsPerSecond, builtAt: m.builtAt });

const fileSize = (path: string) => (existsSync(path) ? statSync(path).size : 0);

interface Opened {
  name: BackendName;
  backend: SearchBackend;
  build: BuildFigures;
  /** Closes the backend and answers the index's size on disk. */
  close(): Promise<number>;
}

async function openEmbedded(laws: readonly Law[]): Promise<Opened> {
  mkdirSync(args.dir, { recursive: true });
  const file = join(args.dir, `embedded-${recordCount}.sqlite`);
  const markerPath = join(args.dir, `embedded-${recordCount}.json`);
  const marker = args.rebuild ? null : readMarker(markerPath);
  // A file without a matching marker is dropped whole: far quicker than clearing a million rows.
  if (!(marker?.records === recordCount && marker.generator === GENERATOR)) {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
  }
  const backend = await openEmbeddedSearch(file);
  const build = await ensureIndex("embedded", backend, markerPath, laws);
  return {
    name: "embedded",
    backend,
    build,
    async close() {
      // Closing folds the write-ahead log into the file: its size then is the index's.
      await backend.close();
      return fileSize(file) + fileSize(`${file}-wal`);
    },
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(3_000) })).ok;
  } catch {
    return false;
  }
}

interface Node {
  url: string;
  /** Started by this run: stopped at the end unless --keep-es. */
  started: boolean;
}

async function elasticsearchNode(): Promise<Node> {
  const given = process.env.ELASTICSEARCH_URL;
  if (given) return { url: given, started: false };
  const url = `http://127.0.0.1:${port}`;
  if (await answers(url)) return { url, started: false };
  console.log(`  elasticsearch: starting a node on port ${port} (start-es.sh) …`);
  const result = spawnSync("bash", [startEs, String(port)], {
    env: { ...process.env, ES_HEAP: process.env.ES_HEAP ?? "4g" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (result.status !== 0) throw new Error(`start-es.sh ${port} failed (exit code ${result.status})`);
  return { url, started: true };
}

function stopElasticsearch(node: Node): void {
  if (!node.started) return;
  if (args["keep-es"]) {
    console.log(`elasticsearch: node on port ${port} kept running (--keep-es); stop it with start-es.sh stop ${port}`);
    return;
  }
  spawnSync("bash", [startEs, "stop", String(port)], { stdio: ["ignore", "ignore", "inherit"] });
}

/** Waits for background merges to end, so that the queries do not share the machine with them. */
async function settle(client: Client, index: string): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const stats = await client.indices.stats({ index, metric: ["merge"] });
    if ((stats._all.primaries?.merges?.current ?? 0) === 0) return;
    if (performance.now() - t0 > 30 * 60_000) {
      console.log(`  elasticsearch: merges still running after 30 min; measuring anyway`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

async function openElasticsearch(node: Node, laws: readonly Law[]): Promise<Opened> {
  mkdirSync(args.dir, { recursive: true });
  const prefix = `yong-bench-${recordCount}-`;
  const index = `${prefix}${ARCHIVE_COLLECTION}`;
  const markerPath = join(args.dir, `elasticsearch-${recordCount}-${node.url.replace(/[^a-z0-9]+/giu, "_")}.json`);
  const backend = await openElasticsearchSearch(node.url, { indexPrefix: prefix });
  // For the index's statistics, which the search interface does not give.
  const client = new Client({ node: node.url });
  try {
    const build = await ensureIndex("elasticsearch", backend, markerPath, laws);
    await settle(client, index);
    return {
      name: "elasticsearch",
      backend,
      build,
      async close() {
        try {
          const stats = await client.indices.stats({ index, metric: ["store"] });
          return stats._all.primaries?.store?.size_in_bytes ?? 0;
        } finally {
          await backend.close();
          await client.close();
        }
      },
    };
  } catch (error) {
    await backend.close();
    await client.close();
    throw error;
  }
}

/* ---------- the queries ---------- */

interface BenchQuery {
  name: string;
  search: SearchQuery;
}

function benchQueries(docNumber: string): BenchQuery[] {
  const base = { page: 1, pageSize: 20 };
  const queries: [string, Partial<ArchiveSearch> & { q: string }][] = [
    ["人民", { q: "人民" }],
    ["教育", { q: "教育" }],
    ["土地", { q: "土地" }],
    ["税务", { q: "税务" }],
    ["管理", { q: "管理" }],
    ["rare: 烟叶税", { q: "烟叶税" }],
    ["人民政府", { q: "人民政府" }],
    ["中华人民共和国", { q: "中华人民共和国" }],
    ["个人信息保护", { q: "个人信息保护" }],
    ["one character: 法", { q: "法" }],
    ["Traditional: 稅務", { q: "稅務" }],
    ["Traditional: 環境保護", { q: "環境保護" }],
    ["2006年", { q: "2006年" }],
    ["GB/T 9704", { q: "GB/T 9704" }],
    [`文号 ${docNumber}`, { q: docNumber }],
    ["土地, validity 有效", { q: "土地", validity: ["有效"] }],
    ["管理, issuer 国务院", { q: "管理", issuer: ["国务院"] }],
    ["人民, 1983–1990", { q: "人民", yearFrom: 1983, yearTo: 1990 }],
    ["教育, 2015–2024", { q: "教育", yearFrom: 2015, yearTo: 2024 }],
    ["人民政府, newest", { q: "人民政府", sort: "newest" }],
    ["税务, newest", { q: "税务", sort: "newest" }],
    ["人民, page 50", { q: "人民", page: 50 }],
    ["管理, newest, page 50", { q: "管理", sort: "newest", page: 50 }],
    ["browse: everything", { q: "" }],
    ["browse: 南宁市人民政府, 2015–2024", { q: "", issuer: ["南宁市人民政府"], yearFrom: 2015, yearTo: 2024 }],
  ];
  return queries.map(([name, query]) => ({ name, search: archiveSearchQuery({ ...base, ...query }, PUBLIC).search }));
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
}

interface Timed extends Opened {
  /** Per query: milliseconds of each run, and the answer of the warm-up pass. */
  times: number[][];
  answers: SearchResult[];
}

async function measure(backends: Timed[], queries: readonly BenchQuery[]): Promise<void> {
  for (const b of backends) {
    const t0 = performance.now();
    for (const q of queries) b.answers.push(await b.backend.search(q.search));
    console.log(`  warm-up ${b.name}: ${(performance.now() - t0).toFixed(0)} ms for ${queries.length} queries`);
  }
  for (let round = 0; round < runs; round++) {
    const order = round % 2 === 0 ? backends : [...backends].reverse();
    for (const b of order) {
      const t0 = performance.now();
      for (let i = 0; i < queries.length; i++) {
        const start = performance.now();
        await b.backend.search(queries[i]!.search);
        b.times[i]!.push(performance.now() - start);
      }
      console.log(
        `  round ${round + 1}: ${b.name.padEnd(13)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms, load ${loadavg()[0]!.toFixed(2)}`,
      );
    }
  }
}

/* ---------- the run ---------- */

const fixed = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "-");
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const count = (n: number) => n.toLocaleString("en");
const bytes = (n: number) => `${fixed(n / 1024 ** 3, 2)} GiB`;
/** Every table of this bench has a rule under its header. */
const table = (header: string[], lines: string[][]) => printColumns(header, lines, { rule: true });

async function main(): Promise<void> {
  const load0 = loadavg();
  const t0 = performance.now();
  const laws = await readLaws();
  const docNumber = lookupDocNumber(laws);
  console.log(
    `${laws.length} laws read, ${count(recordCount)} records to index (generator ${GENERATOR}); ${(performance.now() - t0).toFixed(0)} ms`,
  );
  const queries = benchQueries(docNumber);

  const timed: Timed[] = [];
  let node: Node | null = null;
  try {
    const add = (opened: Opened) => timed.push({ ...opened, times: queries.map(() => []), answers: [] });
    if (names.includes("embedded")) add(await openEmbedded(laws));
    if (names.includes("elasticsearch")) {
      node = await elasticsearchNode();
      add(await openElasticsearch(node, laws));
    }
    console.log(`\nqueries: ${queries.length}, a warm-up pass, then ${runs} rounds\n`);
    await measure(timed, queries);
  } finally {
    for (const t of timed) t.build.bytes = await t.close();
    if (node) stopElasticsearch(node);
  }
  const load1 = loadavg();

  console.log(`\nindexes (${count(recordCount)} records)\n`);
  table(
    ["backend", "built", "seconds", "docs/s", "size on disk"],
    timed.map(({ name, build: b }) => [
      name,
      b.cached ? `cached (${b.builtAt})` : "in this run",
      fixed(b.seconds, 0),
      fixed(b.docsPerSecond, 0),
      bytes(b.bytes ?? NaN),
    ]),
  );

  const emb = timed.find((t) => t.name === "embedded");
  const es = timed.find((t) => t.name === "elasticsearch");
  const stats = (t: Timed, i: number) => {
    const sorted = [...t.times[i]!].sort((a, b) => a - b);
    return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) };
  };
  const totalText = (r: SearchResult) => `${r.totalExact ? "" : "~"}${count(r.total)}`;
  const disagreements: { query: string; what: string; embedded: unknown; elasticsearch: unknown }[] = [];
  const estimates: { query: string; embedded: number; elasticsearch: number; off: number }[] = [];
  const perQuery = queries.map((q, i) => {
    const row: Record<string, unknown> = { query: q.name };
    for (const t of timed) {
      const s = stats(t, i);
      const a = t.answers[i]!;
      row[t.name] = {
        p50: round(s.p50),
        p95: round(s.p95),
        total: a.total,
        totalExact: a.totalExact,
        hits: a.hits.length,
      };
    }
    if (emb && es) {
      const [a, b] = [emb.answers[i]!, es.answers[i]!];
      if (a.totalExact && b.totalExact) {
        if (a.total !== b.total)
          disagreements.push({ query: q.name, what: "total", embedded: a.total, elasticsearch: b.total });
        else if (!isDeepStrictEqual(a.facets, b.facets))
          disagreements.push({ query: q.name, what: "facets", embedded: a.facets, elasticsearch: b.facets });
        if (a.hits.length !== b.hits.length)
          disagreements.push({
            query: q.name,
            what: "hits on the page",
            embedded: a.hits.length,
            elasticsearch: b.hits.length,
          });
      } else if (!a.totalExact && b.totalExact && b.total > 0) {
        estimates.push({ query: q.name, embedded: a.total, elasticsearch: b.total, off: a.total / b.total - 1 });
      }
    }
    return row;
  });

  console.log(`\nper query, ms (p50 / p95 over ${runs} runs); totals: ~ an estimate, else exact\n`);
  table(
    ["query", ...timed.flatMap((t) => [`${t.name} p50`, "p95"]), ...timed.map((t) => `${t.name} total`)],
    queries.map((q, i) => [
      q.name,
      ...timed.flatMap((t) => {
        const s = stats(t, i);
        return [fixed(s.p50), fixed(s.p95)];
      }),
      ...timed.map((t) => totalText(t.answers[i]!)),
    ]),
  );

  const overall = Object.fromEntries(
    timed.map((t) => {
      const all = t.times.flat().sort((a, b) => a - b);
      return [t.name, { p50: percentile(all, 0.5), p95: percentile(all, 0.95), max: all[all.length - 1] ?? NaN }];
    }),
  ) as Partial<Record<BackendName, { p50: number; p95: number; max: number }>>;
  console.log(`\noverall, ms (${queries.length} queries × ${runs} runs each)\n`);
  table(
    ["backend", "p50", "p95", "max"],
    timed.map((t) => {
      const o = overall[t.name]!;
      return [t.name, fixed(o.p50), fixed(o.p95), fixed(o.max)];
    }),
  );
  for (const t of timed) {
    const slow = queries.flatMap((q, i) => {
      const { p95 } = stats(t, i);
      return p95 > GOAL_MS ? [`${q.name} (${fixed(p95)} ms)`] : [];
    });
    if (slow.length > 0) console.log(`${t.name}: p95 over ${GOAL_MS} ms: ${slow.join(", ")}`);
  }
  console.log(
    `\nload ${load0.map((l) => fixed(l, 2)).join(" ")} at the start, ${load1.map((l) => fixed(l, 2)).join(" ")} at the end; ${availableParallelism()} cores`,
  );

  if (emb && es) {
    const exactBoth = queries.filter((_, i) => emb.answers[i]!.totalExact && es.answers[i]!.totalExact).length;
    console.log(
      disagreements.length === 0
        ? `sanity: the ${exactBoth} queries both backends count exactly agree on totals, facets and hits on the page`
        : `sanity: ${disagreements.length} disagreement(s) among the ${exactBoth} queries both count exactly:`,
    );
    for (const d of disagreements) {
      console.log(
        `  ${d.query}: ${d.what}: embedded ${JSON.stringify(d.embedded)}, elasticsearch ${JSON.stringify(d.elasticsearch)}`,
      );
    }
    for (const e of estimates) {
      console.log(
        `  estimate: ${e.query}: embedded ~${count(e.embedded)}, elasticsearch ${count(e.elasticsearch)} (${e.off >= 0 ? "+" : ""}${fixed(e.off * 100)}%)`,
      );
    }
  }
  const ratio = emb && es ? overall.embedded!.p95 / overall.elasticsearch!.p95 : NaN;
  const goals = {
    p95AtMostElasticsearch: emb && es ? overall.embedded!.p95 <= overall.elasticsearch!.p95 : null,
    p95AtMost50ms: emb ? overall.embedded!.p95 <= GOAL_MS : null,
  };
  if (emb && es) console.log(`embedded p95 / elasticsearch p95: ${fixed(ratio, 2)}`);
  console.log("goals:");
  const goal = (met: boolean | null, what: string) => {
    if (met !== null) console.log(`  ${met ? "met    " : "NOT met"}  ${what}`);
  };
  goal(goals.p95AtMostElasticsearch, `embedded p95 ≤ elasticsearch p95`);
  goal(goals.p95AtMost50ms, `embedded p95 ≤ ${GOAL_MS} ms: ${fixed(overall.embedded?.p95 ?? NaN)} ms`);

  console.log(
    JSON.stringify({
      bench: "search",
      at: new Date().toISOString(),
      records: recordCount,
      generator: GENERATOR,
      runs,
      cores: availableParallelism(),
      loadavg: { start: load0.map((l) => round(l)), end: load1.map((l) => round(l)) },
      build: Object.fromEntries(
        timed.map(({ name, build: b }) => [
          name,
          {
            cached: b.cached,
            builtAt: b.builtAt,
            seconds: round(b.seconds, 0),
            docsPerSecond: round(b.docsPerSecond, 0),
            bytes: b.bytes ?? null,
          },
        ]),
      ),
      queries: perQuery,
      overall: Object.fromEntries(
        Object.entries(overall).map(([name, o]) => [name, { p50: round(o.p50), p95: round(o.p95), max: round(o.max) }]),
      ),
      ratioP95: Number.isFinite(ratio) ? round(ratio, 3) : null,
      disagreements,
      estimates: estimates.map((e) => ({ ...e, off: round(e.off, 3) })),
      goalMs: GOAL_MS,
      goals,
      withinGoal: goals.p95AtMostElasticsearch !== false && goals.p95AtMost50ms !== false,
    }),
  );
}

await main();

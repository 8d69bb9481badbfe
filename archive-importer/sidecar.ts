import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, extname, join, relative, sep } from "node:path";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { decodeTextBytes } from "../server/core/textEncoding.js";
import { canonicalDocNumber, docTypeOfTitle, parseChineseDate } from "./metadata.js";
import type { Openness, SidecarMetadata, Validity } from "./types.js";

/** Metadata for the files of an import, from a file beside them; its values win over the text's. */
export interface Sidecar {
  format: "laws-json" | "csv";
  /** Rows the sidecar holds. */
  size: number;
  /** What the sidecar says about one file; null when it does not list it. */
  lookup(filePath: string, extractedTitle: string | null): SidecarMetadata | null;
}

/* ---------- the laws corpus: metadata.json ---------- */

/** YYYY-MM-DD; metadata.json writes an unknown date as null or as "". */
const isoDay = z.preprocess(
  (v) => (v === "" ? null : v),
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/u)
    .nullish(),
);
const LawRow = z.object({
  name: z.string().min(1),
  level: z.string().nullish(),
  filename: z.string().nullish(),
  subtitle: z.string().nullish(),
  publish: isoDay,
  valid_from: isoDay,
  expired: z.boolean().nullish(),
  category: z.string().nullish(),
  folder: z.string().min(1),
});
type LawRow = z.infer<typeof LawRow>;

/** A file name's title and date: 检察官法(2019-04-23).md → 检察官法, 2019-04-23. */
function nameAndDate(filePath: string): { name: string; date: string | null } {
  const stem = basename(filePath, extname(filePath)).normalize("NFKC").trim();
  const m = /^(.*?)\s*\((\d{4}-\d{2}-\d{2})\)$/u.exec(stem);
  return m ? { name: (m[1] ?? "").trim(), date: m[2] ?? null } : { name: stem, date: null };
}

/** Titles compared as people read them: NFKC, no spaces, no 中华人民共和国 in front of a law's name. */
function key(title: string): string {
  return title
    .normalize("NFKC")
    .replace(/^中华人民共和国/u, "")
    .replace(/\s+/gu, "");
}

function folderOf(root: string, filePath: string): string {
  return relative(root, dirname(filePath)).split(sep).join("/");
}

async function markdownFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(".md")).map((e) => join(e.parentPath, e.name));
}

/**
 * The laws corpus's metadata.json: one row per law with its folder, short name
 * (检察官法 for 中华人民共和国检察官法), publish date of the version, date in
 * force, and whether it has expired. A file matches a row of its folder by the
 * title in its name (without the date) or by its first heading without
 * 中华人民共和国; cases by their subtitle, 民法典's books by their file name.
 * When a law has files for several versions, the date in the file name picks
 * the row; a version the file list has but metadata.json lacks gets nothing.
 */
async function lawsSidecar(path: string, json: string, root: string): Promise<Sidecar> {
  const parsed = z.array(LawRow).safeParse(JSON.parse(json));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path} is not the laws metadata format: row ${issue?.path.join(".")}: ${issue?.message}`);
  }
  const rows = parsed.data;
  const byFolder = new Map<string, LawRow[]>();
  for (const row of rows) byFolder.set(row.folder, [...(byFolder.get(row.folder) ?? []), row]);
  // Versions on disk: a law whose row has expired and that has a newer file beside it was revised, not repealed.
  const versions = new Map<string, string[]>();
  for (const file of await markdownFiles(root)) {
    const { name, date } = nameAndDate(file);
    if (!date) continue;
    const k = `${folderOf(root, file)}\u0000${key(name)}`;
    versions.set(k, [...(versions.get(k) ?? []), date]);
  }
  const rowKeys = (row: LawRow) =>
    [row.filename, row.name, row.subtitle].filter((s): s is string => Boolean(s)).map(key);

  return {
    format: "laws-json",
    size: rows.length,
    lookup(filePath, extractedTitle) {
      const folder = folderOf(root, filePath);
      const { name, date } = nameAndDate(filePath);
      const fileKeys = new Set([key(name), ...(extractedTitle ? [key(extractedTitle)] : [])]);
      const candidates = (byFolder.get(folder) ?? []).filter((row) => rowKeys(row).some((k) => fileKeys.has(k)));
      const row = date
        ? (candidates.find((r) => r.publish === date) ?? candidates.find((r) => !r.publish))
        : candidates.length === 1
          ? candidates[0]
          : candidates.find((r) => !r.publish);
      if (!row) return null;
      const newer = (versions.get(`${folder}\u0000${key(row.filename ?? row.name)}`) ?? []).some(
        (d) => row.publish && d > row.publish,
      );
      const validity: Validity = row.expired ? (newer ? "已修订" : "已废止") : "有效";
      const out: SidecarMetadata = { validity };
      if (row.publish) out.issuedOn = row.publish;
      if (row.valid_from) out.effectiveOn = row.valid_from;
      if (row.category) out.category = row.category;
      if (row.level && !(extractedTitle && docTypeOfTitle(extractedTitle))) out.docType = row.level;
      return out;
    },
  };
}

/* ---------- CSV ---------- */

export const CSV_COLUMNS = [
  "fileName",
  "title",
  "docNumber",
  "issuer",
  "docType",
  "issuedOn",
  "effectiveOn",
  "validity",
  "subjects",
  "category",
  "openness",
] as const;

const VALIDITIES: readonly Validity[] = ["有效", "已修订", "已废止"];
const OPENNESS: readonly Openness[] = ["公开", "内部"];

const cell = z
  .string()
  .optional()
  .transform((s) => s?.trim() || undefined);
/** A date as archivists type it: 2006-03-07, 2006/3/7, 2006.3.7 or 2006年3月7日. */
const dateCell = cell.transform((s, ctx) => {
  if (s === undefined) return undefined;
  const numeric = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/u.exec(s);
  const date = numeric
    ? parseChineseDate(`${numeric[1]}年${numeric[2]}月${numeric[3]}日`)
    : /年/u.test(s)
      ? parseChineseDate(s)
      : null;
  if (!date) ctx.addIssue({ code: "custom", message: `not a date: ${s}` });
  return date ?? undefined;
});
const listCell = cell.transform((s) =>
  s === undefined
    ? undefined
    : s
        .split(/[;；]/u)
        .map((p) => p.trim())
        .filter(Boolean),
);
const CsvRow = z.object({
  fileName: z.string().trim().min(1, "fileName is empty"),
  title: cell,
  docNumber: cell.transform((s) => (s === undefined ? undefined : (canonicalDocNumber(s) ?? s))),
  issuer: listCell,
  docType: cell,
  issuedOn: dateCell,
  effectiveOn: dateCell,
  validity: cell.pipe(z.enum(VALIDITIES).optional()),
  subjects: listCell,
  category: cell,
  openness: cell.pipe(z.enum(OPENNESS).optional()),
});
type CsvRow = z.infer<typeof CsvRow>;

/**
 * A CSV sidecar with a header row (columns CSV_COLUMNS; fileName required,
 * the others may be left empty; issuer and subjects separated by ;). fileName
 * is the file's path relative to the sidecar, or just its name when that is
 * unique. Saved from Excel as UTF-8 or in the Chinese code page (GBK).
 */
function csvSidecar(path: string, bytes: Buffer, root: string): Sidecar {
  const decoded = decodeTextBytes(bytes);
  if (!decoded) throw new Error(`${path} is neither UTF-8 nor GB18030 (GBK) text`);
  const records: Record<string, string>[] = parse(decoded.text, {
    columns: true,
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
  });
  const byPath = new Map<string, CsvRow>();
  const byName = new Map<string, CsvRow[]>();
  records.forEach((record, i) => {
    const result = CsvRow.safeParse(record);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new Error(`${path}, row ${i + 2}, column ${String(issue?.path[0] ?? "?")}: ${issue?.message ?? "invalid"}`);
    }
    const row = result.data;
    const rel = row.fileName.replace(/\\/gu, "/").replace(/^\.\//u, "");
    byPath.set(rel.normalize("NFC"), row);
    const name = basename(rel).normalize("NFC");
    byName.set(name, [...(byName.get(name) ?? []), row]);
  });

  return {
    format: "csv",
    size: records.length,
    lookup(filePath) {
      const rel = relative(root, filePath).split(sep).join("/").normalize("NFC");
      const sameName = byName.get(basename(filePath).normalize("NFC")) ?? [];
      const row = byPath.get(rel) ?? (sameName.length === 1 ? sameName[0] : undefined);
      if (!row) return null;
      const out: SidecarMetadata = {};
      const { fileName: _fileName, ...fields } = row;
      for (const [field, value] of Object.entries(fields)) {
        if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
          Object.assign(out, { [field]: value });
        }
      }
      return out;
    },
  };
}

/**
 * Reads a sidecar: the laws corpus's metadata.json format, or a CSV with the
 * columns CSV_COLUMNS. The files it names are under `root`: the sidecar's own
 * folder unless given (an uploaded sidecar is kept apart from the folder).
 */
export async function readSidecar(path: string, root = dirname(path)): Promise<Sidecar> {
  const bytes = await readFile(path);
  if (extname(path).toLowerCase() === ".json") return lawsSidecar(path, bytes.toString("utf8"), root);
  if (extname(path).toLowerCase() === ".csv") return csvSidecar(path, bytes, root);
  throw new Error(`${path}: a sidecar is a .json (laws metadata) or a .csv file`);
}

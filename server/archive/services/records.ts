import { Op, type Transaction } from "sequelize";
import { notFound } from "../../core/errors.js";
import { enqueueIndexing, type DocumentLoader } from "../../search/outbox.js";
import type { FacetCount, Marked, SearchBackend, SearchDocument, SearchQuery } from "../../search/types.js";
import {
  ArchiveRecord,
  ArchiveRecordLink,
  type LinkKind,
  type Openness,
  type RecordSource,
  type Retention,
  type Validity,
} from "../models/index.js";
import { canonicalDocNumber } from "./docNumber.js";
import { attachOriginal, originalColumns, type StoredOriginal } from "./originals.js";

/** The search collection of archive records; document ids are record ids. */
export const ARCHIVE_COLLECTION = "archive";
/** The keyword fields the archive indexes, filters and counts. */
export const ARCHIVE_FACETS = ["year", "issuer", "docType", "validity", "category"] as const;

/** The fields of a record that its search document is made of (bench/search.ts builds them without a database). */
export type IndexedRecord = Pick<
  ArchiveRecord,
  | "id"
  | "title"
  | "docNumber"
  | "body"
  | "issuedOn"
  | "issuers"
  | "docType"
  | "validity"
  | "category"
  | "openness"
  | "subjects"
>;

export function toSearchDocument(r: IndexedRecord): SearchDocument {
  return {
    id: String(r.id),
    collection: ARCHIVE_COLLECTION,
    title: r.title,
    body: [r.docNumber, r.body].filter(Boolean).join("\n"),
    date: r.issuedOn,
    keywords: {
      issuer: r.issuers,
      docType: r.docType,
      validity: r.validity,
      category: r.category,
      openness: r.openness,
      docNumber: r.docNumber,
      subject: r.subjects,
    },
  };
}

/** For the outbox drainer: the current state of the records named. */
export const loadArchiveDocuments: DocumentLoader = async (ids) => {
  const records = await ArchiveRecord.findAll({ where: { id: ids.map(Number) } });
  return records.map(toSearchDocument);
};

/** Record ids after `afterId`, in order: what a reindex walks. */
export async function archiveIdsAfter(afterId: number, limit: number): Promise<number[]> {
  const rows = await ArchiveRecord.findAll({
    attributes: ["id"],
    where: { id: { [Op.gt]: afterId } },
    order: [["id", "ASC"]],
    limit,
  });
  return rows.map((r) => r.id);
}

/** A 文号 as the record keeps it: canonical when it reads as one, else as written (null for none). */
const storedDocNumber = (value: string | null) => (value ? (canonicalDocNumber(value) ?? value) : null);

export async function findRecordOr404(id: number, transaction?: Transaction): Promise<ArchiveRecord> {
  const record = await ArchiveRecord.findByPk(id, { transaction });
  if (!record) throw notFound("Record");
  return record;
}

export interface RecordFields {
  title: string;
  docNumber: string | null;
  issuers: string[];
  docType: string | null;
  issuedOn: string | null;
  effectiveOn: string | null;
  subjects: string[];
  category: string | null;
  body: string;
  validity: Validity;
}

export interface ImportedFile {
  /** Where it came from, stable across runs: "import:<path inside the imported folder>". */
  sourceKey: string;
  contentHash: string;
  fileName: string;
  fileFormat: string;
  pages: number | null;
  needsOcr: boolean;
  /** Openness for a new record; an existing record keeps what the archivist set. */
  openness: Openness;
  retention?: Retention;
  /** The file as kept in the blob store (storeOriginal); absent: the record has no original. */
  original?: StoredOriginal | null;
}

export type ImportOutcome = "created" | "updated" | "unchanged";

/**
 * Creates the record a file describes, or updates the one an earlier run made
 * from it when the file changed; an unchanged file changes nothing, so a
 * second run adds nothing and an interrupted run can simply be started again.
 * Openness, retention, 档号 and links are the archivist's and are kept.
 */
export async function importRecord(
  fields: RecordFields,
  file: ImportedFile,
  source: RecordSource,
  transaction: Transaction,
): Promise<{ outcome: ImportOutcome; record: ArchiveRecord }> {
  const docNumber = storedDocNumber(fields.docNumber);
  const existing = await ArchiveRecord.findOne({ where: { sourceKey: file.sourceKey }, transaction });
  if (existing && existing.contentHash === file.contentHash) {
    if (!file.original || existing.fileSha256 === file.original.sha256)
      return { outcome: "unchanged", record: existing };
    // The same file, imported before originals were kept: only the original is new.
    return { outcome: "updated", record: await attachOriginal(existing, file.original, transaction) };
  }
  const values = {
    ...fields,
    docNumber,
    title: fields.title.slice(0, 500),
    contentHash: file.contentHash,
    fileName: file.fileName.slice(0, 255),
    fileFormat: file.fileFormat,
    pages: file.pages,
    needsOcr: file.needsOcr,
    ...originalColumns(file.original ?? null),
  };
  let record: ArchiveRecord;
  if (existing) {
    record = await existing.update(values, { transaction });
  } else {
    record = await ArchiveRecord.create(
      {
        ...values,
        sourceKey: file.sourceKey,
        source,
        openness: file.openness,
        retention: file.retention ?? "永久",
        archiveCode: null,
      },
      { transaction },
    );
  }
  await enqueueIndexing(ARCHIVE_COLLECTION, [record.id], "upsert", transaction);
  return { outcome: existing ? "updated" : "created", record };
}

export type RecordPatch = Partial<
  RecordFields & { openness: Openness; retention: Retention; archiveCode: string | null }
>;

/** An archivist's edit; returns the values before, for the audit log. */
export async function updateRecord(
  record: ArchiveRecord,
  patch: RecordPatch,
  transaction: Transaction,
): Promise<Record<string, unknown>> {
  const before: Record<string, unknown> = {};
  for (const key of Object.keys(patch) as (keyof RecordPatch)[]) before[key] = record.get(key);
  const docNumber = patch.docNumber === undefined ? {} : { docNumber: storedDocNumber(patch.docNumber) };
  await record.update({ ...patch, ...docNumber }, { transaction });
  await enqueueIndexing(ARCHIVE_COLLECTION, [record.id], "upsert", transaction);
  return before;
}

/** Links a newer record to the one it revises or repeals, and marks the older one. */
export async function linkRecords(
  newer: ArchiveRecord,
  older: ArchiveRecord,
  kind: LinkKind,
  transaction: Transaction,
): Promise<ArchiveRecordLink> {
  const [link] = await ArchiveRecordLink.findOrCreate({
    where: { fromId: newer.id, toId: older.id, kind },
    defaults: { fromId: newer.id, toId: older.id, kind },
    transaction,
  });
  await older.update({ validity: kind === "废止" ? "已废止" : "已修订" }, { transaction });
  await enqueueIndexing(ARCHIVE_COLLECTION, [older.id], "upsert", transaction);
  return link;
}

/** The versions linked to a record, in both directions, that the viewer may see. */
export async function relatedRecords(record: ArchiveRecord, visible: readonly Openness[]) {
  const links = await ArchiveRecordLink.findAll({
    where: { [Op.or]: [{ fromId: record.id }, { toId: record.id }] },
    order: [["id", "ASC"]],
  });
  const otherIds = links.map((l) => (l.fromId === record.id ? l.toId : l.fromId));
  const others = new Map(
    (await ArchiveRecord.findAll({ where: { id: otherIds, openness: [...visible] } })).map((r) => [r.id, r]),
  );
  return links.flatMap((l) => {
    const newer = l.toId === record.id;
    const other = others.get(newer ? l.fromId : l.toId);
    return other
      ? [
          {
            id: other.id,
            title: other.title,
            docNumber: other.docNumber,
            kind: l.kind,
            direction: newer ? ("newer" as const) : ("older" as const),
          },
        ]
      : [];
  });
}

export interface ArchiveSearch {
  /** The words (全部词), or a 文号. */
  q: string;
  /** 精确短语: one phrase, as if typed in quotes. */
  phrase?: string;
  /** 不包含: records with any of these words are left out. */
  not?: string;
  /** 检索范围: the words in the title or the text, or in the title only. */
  in?: "all" | "title";
  /** 文号, exact, whatever brackets were typed. */
  docNumber?: string;
  issuer?: string[];
  docType?: string[];
  validity?: string[];
  category?: string[];
  yearFrom?: number;
  yearTo?: number;
  /** 成文日期 range, YYYY-MM-DD. */
  dateFrom?: string;
  dateTo?: string;
  sort?: "relevance" | "newest";
  page: number;
  pageSize: number;
}

export interface ArchiveSearchResult {
  items: { record: ArchiveRecord; title: Marked; snippet: Marked }[];
  total: number;
  totalExact: boolean;
  facets: Record<string, FacetCount[]>;
  /** Set when the query was a 文号, or a 文号 was asked for, and was looked up as one. */
  docNumber: string | null;
}

/** Quotation marks parseQuery reads as the ends of a phrase (after NFKC, which makes ＂ a "). */
const QUOTES = /["\u201c\u201d\u300c\u300d\u300e\u300f]/g;

/**
 * The text searched: the words, and the exact phrase as one quoted term. Quotation marks typed in the phrase
 * (“放管服”, pasted from a document) are dropped: they would end it.
 */
function searchText(words: string, phrase: string | undefined): string {
  const quoted = phrase ? phrase.normalize("NFKC").replace(QUOTES, "").trim() : "";
  return [words.trim(), quoted && `"${quoted}"`].filter(Boolean).join(" ");
}

/**
 * What the backend is asked for a search of the records the viewer may see
 * (bench/search.ts times these). A query that is a 文号 (whatever brackets
 * were typed) is looked up exactly; anything else is full text.
 */
export function archiveSearchQuery(
  query: ArchiveSearch,
  visible: readonly Openness[],
): { search: SearchQuery; docNumber: string | null } {
  const typed = canonicalDocNumber(query.q);
  // The 文号 field is exact: canonical when it reads as one, else as written (as records keep such 文号).
  const asked = query.docNumber?.trim() ? (canonicalDocNumber(query.docNumber) ?? query.docNumber.trim()) : null;
  const docNumber = typed ?? asked;
  const filters: Record<string, readonly string[]> = { openness: visible };
  for (const field of ["issuer", "docType", "validity", "category"] as const) {
    const values = query[field];
    if (values?.length) filters[field] = values;
  }
  // A 文号 in the search box and another in the 文号 field: no record has both.
  if (docNumber) filters.docNumber = typed && asked && typed !== asked ? [] : [docNumber];
  const text = searchText(typed ? "" : query.q, query.phrase);
  const search: SearchQuery = {
    collection: ARCHIVE_COLLECTION,
    text,
    exclude: query.not,
    fields: query.in === "title" ? "title" : "all",
    filters,
    yearFrom: query.yearFrom,
    yearTo: query.yearTo,
    dateFrom: query.dateFrom,
    dateTo: query.dateTo,
    sort: query.sort ?? (text ? "relevance" : "newest"),
    page: query.page,
    pageSize: query.pageSize,
    facets: ARCHIVE_FACETS,
  };
  return { search, docNumber };
}

/** Searches the records the viewer may see (see archiveSearchQuery). */
export async function searchRecords(
  backend: SearchBackend,
  query: ArchiveSearch,
  visible: readonly Openness[],
): Promise<ArchiveSearchResult> {
  const { search, docNumber } = archiveSearchQuery(query, visible);
  return { ...(await recordsFound(backend, search, visible)), docNumber };
}

/** Suggestions shown under the search box as a person types. */
export const SUGGESTIONS = 8;

/**
 * Records whose titles match what has been typed so far (its last character
 * read as the start of a word), or the record a typed 文号 names: the same
 * search as the page's, title-only, without facets, the viewer's openness.
 */
export async function suggestRecords(
  backend: SearchBackend,
  typed: string,
  visible: readonly Openness[],
): Promise<ArchiveSearchResult["items"]> {
  const { search } = archiveSearchQuery({ q: typed, in: "title", page: 1, pageSize: SUGGESTIONS }, visible);
  return (await recordsFound(backend, { ...search, facets: [] }, visible)).items;
}

async function recordsFound(
  backend: SearchBackend,
  search: SearchQuery,
  visible: readonly Openness[],
): Promise<Omit<ArchiveSearchResult, "docNumber">> {
  const result = await backend.search(search);
  const ids = result.hits.map((h) => Number(h.id));
  // The database decides what is shown: a record made 内部 since it was indexed stays hidden.
  const records = new Map(
    (await ArchiveRecord.findAll({ where: { id: ids, openness: [...visible] } })).map((r) => [r.id, r]),
  );
  const items = result.hits.flatMap((h) => {
    const record = records.get(Number(h.id));
    return record ? [{ record, title: h.title, snippet: h.snippet }] : [];
  });
  return { items, total: result.total, totalExact: result.totalExact, facets: result.facets };
}

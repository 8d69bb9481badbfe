import { http, uploadForm, type UploadProgress } from "../request";

export type Validity = "有效" | "已修订" | "已废止";
export type Openness = "公开" | "内部";
export type Retention = "永久" | "30年" | "10年";

/** Text with the places ([start, end) in UTF-16 units) the query matched. */
export interface Marked {
  text: string;
  marks: [number, number][];
}

export interface RecordSummary {
  id: number;
  docNumber: string | null;
  title: string;
  issuer: string;
  issuers: string[];
  docType: string | null;
  issuedOn: string | null;
  validity: Validity;
  openness: Openness;
}

export interface SearchItem extends RecordSummary {
  titleMarked: Marked;
  snippet: Marked;
}

export type FacetField = "year" | "issuer" | "docType" | "validity" | "category";

export interface ArchiveSearchQuery {
  q?: string;
  /** 精确短语. */
  phrase?: string;
  /** 不包含: any of these words leaves a record out. */
  not?: string;
  /** 检索范围: title and text (default) or the title only. */
  in?: "all" | "title";
  /** 文号, exact, typed with any brackets. */
  docNumber?: string;
  issuer?: string[];
  docType?: string[];
  validity?: string[];
  category?: string[];
  yearFrom?: number;
  yearTo?: number;
  /** 成文日期, YYYY-MM-DD. */
  dateFrom?: string;
  dateTo?: string;
  sort?: "relevance" | "newest";
  page?: number;
  pageSize?: number;
}

export interface ArchiveSearchResult {
  items: SearchItem[];
  total: number;
  totalExact: boolean;
  facets: Partial<Record<FacetField, { value: string; count: number }[]>>;
  /** Set when the query (or the 文号 field) was read as a 文号 and looked up exactly. */
  docNumber: string | null;
  page: number;
  pageSize: number;
}

export interface RelatedRecord {
  id: number;
  title: string;
  docNumber: string | null;
  kind: "修订" | "废止";
  /** newer: this one revises or repeals the record shown; older: the record shown revises or repeals it. */
  direction: "newer" | "older";
}

export interface RecordDetail extends RecordSummary {
  effectiveOn: string | null;
  subjects: string[];
  category: string | null;
  retention: Retention;
  archiveCode: string | null;
  source: "import" | "oa" | "manual";
  fileName: string | null;
  fileFormat: string | null;
  pages: number | null;
  /** The original file (GET url: byte ranges, ETag), its MIME type and bytes; null without one. */
  original: { url: string; type: string; size: number } | null;
  needsOcr: boolean;
  body: string;
  related: RelatedRecord[];
  updatedAt: string;
  abilities: { manage: boolean };
}

export type RecordPatch = Partial<{
  title: string;
  docNumber: string | null;
  issuers: string[];
  docType: string | null;
  issuedOn: string | null;
  effectiveOn: string | null;
  subjects: string[];
  category: string | null;
  validity: Validity;
  openness: Openness;
  retention: Retention;
  archiveCode: string | null;
}>;

export const searchArchive = (query: ArchiveSearchQuery) =>
  http.get<ArchiveSearchResult>("/api/archive/search", { ...query });

export const getRecord = (id: number) => http.get<RecordDetail>(`/api/archive/records/${id}`);

export const updateRecord = (id: number, patch: RecordPatch) =>
  http.patch<RecordDetail>(`/api/archive/records/${id}`, patch);

export const linkRecord = (id: number, olderId: number, kind: "修订" | "废止") =>
  http.post<RecordDetail>(`/api/archive/records/${id}/links`, { olderId, kind });

export interface ImportRun {
  id: number;
  source: "cli" | "upload";
  operator: string;
  folder: string;
  status: "queued" | "running" | "done" | "failed";
  dryRun: boolean;
  total: number;
  done: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  needsOcr: number;
  skipped: number;
  startedAt: string;
  finishedAt: string | null;
}

export interface ImportReport extends ImportRun {
  /** Files that failed (code: encrypted, corrupt, timeout, too_large, unsupported, no_text, error) or await OCR (needs_ocr). */
  problems: { file: string; failed: boolean; code: string | null; message: string | null }[];
}

export const listImports = (page: number, pageSize: number) =>
  http.get<{ items: ImportRun[]; total: number; page: number; pageSize: number }>("/api/archive/imports", {
    page,
    pageSize,
  });

export const getImport = (id: number) => http.get<ImportReport>(`/api/archive/imports/${id}`);

export interface ImportUpload {
  /** The files of the chosen folder, each with its path inside it (webkitRelativePath) or its name. */
  files: readonly File[];
  metadata: File | null;
  openness: Openness;
  dryRun: boolean;
}

/** A file's path as the server should store it: inside the chosen folder when one was chosen. */
const pathOf = (file: File) => file.webkitRelativePath || file.name;

/** Uploads a folder for import; the run is queued and the job queue imports it (see the list for its progress). */
export function uploadImport(upload: ImportUpload, onProgress?: (p: UploadProgress) => void): Promise<ImportRun> {
  const form = new FormData();
  form.append("openness", upload.openness);
  form.append("dryRun", String(upload.dryRun));
  if (upload.metadata) form.append("metadata", upload.metadata, upload.metadata.name);
  for (const file of upload.files) form.append("files", file, pathOf(file));
  return uploadForm<ImportRun>("/api/archive/imports", form, onProgress);
}

export type IntakeState = "pending" | "archived" | "failed";

/** A document the OA's 归档 step handed to the archive, and what became of it. */
export interface IntakeItem {
  id: number;
  sourceKey: string;
  title: string;
  docNumber: string | null;
  issuedOn: string | null;
  fondsCode: string;
  organCode: string | null;
  year: number;
  retention: Retention;
  openness: Openness;
  hasOriginal: boolean;
  submittedBy: string;
  state: IntakeState;
  /** Why it failed: a code (original_missing), or "error" with the server's message in `error`. */
  errorCode: string | null;
  error: string | null;
  recordId: number | null;
  archiveCode: string | null;
  submittedAt: string;
  updatedAt: string;
}

export const listIntake = (state: IntakeState | undefined, page: number, pageSize: number) =>
  http.get<{ items: IntakeItem[]; total: number; page: number; pageSize: number }>("/api/archive/intake", {
    state,
    page,
    pageSize,
  });

export const retryIntake = (id: number) => http.post<IntakeItem>(`/api/archive/intake/${id}/retry`);

/** A title under the search box as a person types. */
export interface ArchiveSuggestion {
  id: number;
  titleMarked: Marked;
  docNumber: string | null;
  issuedOn: string | null;
  validity: Validity;
}

export const suggestArchive = (q: string) => http.get<{ items: ArchiveSuggestion[] }>("/api/archive/suggest", { q });

/** Types shared by the importer's extraction, metadata and sidecar modules and by its CLI. */

export type DocumentFormat = "pdf" | "docx" | "html" | "markdown" | "text";

/** The file extensions the importer reads; anything else in a folder is left alone (and counted as skipped). */
export const IMPORTED_EXTENSIONS: ReadonlySet<string> = new Set([
  ".pdf",
  ".docx",
  ".html",
  ".htm",
  ".md",
  ".markdown",
  ".txt",
]);

export type Validity = "有效" | "已修订" | "已废止";

export type Openness = "公开" | "内部";

/** What the importer reads out of one file, before any record exists. */
export interface ExtractedText {
  /** Normalised text (normaliseText): NFKC, no control characters, no runs of blank lines. */
  text: string;
  /** Page count for PDFs; null for formats without pages. */
  pages: number | null;
  /** True when a PDF has pages but no text layer: it needs OCR before it can be searched. */
  needsOcr: boolean;
  format: DocumentFormat;
}

/** Metadata of one archived document, read from its text or its sidecar. Dates are YYYY-MM-DD. */
export interface DocumentMetadata {
  title: string | null;
  /** 文号 in its canonical form, e.g. 国发〔1985〕12号. */
  docNumber: string | null;
  /** Issuing organs, e.g. ["全国人民代表大会常务委员会"]. */
  issuer: string[];
  /** 公文 type or kind of law, e.g. 通知, 条例, 解释. */
  docType: string | null;
  /** 成文日期: the date of the version the text is. */
  issuedOn: string | null;
  effectiveOn: string | null;
  validity: Validity | null;
  subjects: string[];
  category: string | null;
}

/** What a sidecar knows about one file; its values win over the ones read from the text. */
export type SidecarMetadata = Partial<DocumentMetadata> & { openness?: Openness };

export type ImportFileErrorCode = "encrypted" | "corrupt" | "timeout" | "too_large" | "unsupported";

/**
 * A file the importer cannot read, with a reason the import report can show.
 * Anything else thrown while importing a file is a bug, not a bad file.
 */
export class ImportFileError extends Error {
  override readonly name = "ImportFileError";

  constructor(
    readonly code: ImportFileErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

import { open } from "node:fs/promises";
import { extname } from "node:path";
import mammoth from "mammoth";
import { decodeTextBytes } from "../server/core/textEncoding.js";
import { extractPdfText, type PdfTextOptions } from "./pdfText.js";
import { htmlToText, markdownToText, normaliseText } from "./text.js";
import { ImportFileError, type DocumentFormat, type ExtractedText } from "./types.js";

export type ExtractOptions = PdfTextOptions & {
  /** Largest DOCX, HTML, Markdown or text file read; PDFs are bounded by their reader's memory. */
  maxFileMb?: number;
};

const FORMATS: Record<string, DocumentFormat> = {
  ".pdf": "pdf",
  ".docx": "docx",
  ".html": "html",
  ".htm": "html",
  ".md": "markdown",
  ".markdown": "markdown",
  ".txt": "text",
};

/** The format the importer reads a file as, by its extension; null for files it does not import. */
export function documentFormat(path: string): DocumentFormat | null {
  return FORMATS[extname(path).toLowerCase()] ?? null;
}

async function readBounded(path: string, maxFileMb: number): Promise<Buffer> {
  const file = await open(path);
  try {
    const { size } = await file.stat();
    if (size > maxFileMb * 1024 * 1024) {
      throw new ImportFileError("too_large", `${size} bytes is more than the ${maxFileMb} MB a document may have`);
    }
    return await file.readFile();
  } finally {
    await file.close();
  }
}

function decode(bytes: Uint8Array): string {
  const decoded = decodeTextBytes(bytes);
  if (!decoded) throw new ImportFileError("corrupt", "the file is neither UTF-8 nor GB18030 (GBK) text");
  return decoded.text;
}

/** Compound File Binary: Word 97–2003 .doc, or an encrypted OOXML package. */
const CFB_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

async function docxText(path: string, maxFileMb: number): Promise<string> {
  const bytes = await readBounded(path, maxFileMb);
  if (CFB_MAGIC.every((b, i) => bytes[i] === b)) {
    // Office wraps a password-protected .docx in a compound file with an EncryptedPackage stream.
    if (bytes.includes(Buffer.from("EncryptedPackage", "utf16le"))) {
      throw new ImportFileError("encrypted", "the DOCX is protected by a password");
    }
    throw new ImportFileError("unsupported", "a Word 97–2003 document (.doc) named .docx; save it as .docx");
  }
  try {
    return (await mammoth.extractRawText({ buffer: bytes })).value;
  } catch (error) {
    throw new ImportFileError("corrupt", `the DOCX cannot be read: ${String(error)}`, { cause: error });
  }
}

/**
 * A document's text as people search it, whatever its format. Rejects with
 * ImportFileError for a file that cannot be read (encrypted, corrupt, too
 * large, timed out, or of a format the importer does not take).
 */
export async function extractText(path: string, options: ExtractOptions = {}): Promise<ExtractedText> {
  const format = documentFormat(path);
  const maxFileMb = options.maxFileMb ?? 64;
  switch (format) {
    case "pdf": {
      const { text, pages } = await extractPdfText(path, options);
      const normalised = normaliseText(text);
      // Pages but no text layer at all: a scan, for OCR.
      return { text: normalised, pages, needsOcr: pages > 0 && normalised === "", format };
    }
    case "docx":
      return { text: normaliseText(await docxText(path, maxFileMb)), pages: null, needsOcr: false, format };
    case "html":
      return {
        text: normaliseText(htmlToText(decode(await readBounded(path, maxFileMb)))),
        pages: null,
        needsOcr: false,
        format,
      };
    case "markdown":
      return {
        text: normaliseText(markdownToText(decode(await readBounded(path, maxFileMb)))),
        pages: null,
        needsOcr: false,
        format,
      };
    case "text":
      return { text: normaliseText(decode(await readBounded(path, maxFileMb))), pages: null, needsOcr: false, format };
    case null:
      throw new ImportFileError(
        "unsupported",
        `the importer does not read ${extname(path) || "files without an extension"}`,
      );
  }
}

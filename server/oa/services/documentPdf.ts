import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Transaction } from "sequelize";
import type { BlobStore } from "../../core/blobStore.js";
import { AppError, conflict } from "../../core/errors.js";
import { renderOfficialDocument } from "../render/gbt9704.js";
import { FontUnavailableError } from "../render/fonts.js";
import { MissingGlyphError } from "../render/lines.js";
import type { PrintableDocument } from "../render/types.js";
import { Attachment, recipientsOf, type OaDocument } from "../models/document.js";

/** The document as the GB/T 9704 renderer prints it. */
export async function printableOf(doc: OaDocument, t?: Transaction): Promise<PrintableDocument> {
  const attachments = await Attachment.findAll({
    where: { documentId: doc.id, kind: "attachment" },
    order: [["id", "ASC"]],
    transaction: t,
  });
  return {
    copyNo: doc.copyNo,
    urgency: doc.urgency,
    issuerMark: doc.issuerMark ?? doc.signatureOrg ?? "",
    docNumber: doc.docNumber,
    signers: JSON.parse(doc.signers) as string[],
    docType: doc.docType,
    title: doc.title,
    mainRecipients: recipientsOf(doc.mainRecipients)
      .map((r) => r.name)
      .join("，"),
    bodyHtml: doc.bodyHtml,
    attachments: attachments.map((a) => a.name.replace(/\.[^.]+$/, "")),
    signatureOrg: doc.signatureOrg ?? "",
    writtenOn: doc.writtenOn,
    note: doc.note,
    cc: recipientsOf(doc.ccRecipients).map((r) => r.name),
    printedBy: doc.printedBy,
    printedOn: doc.printedOn ?? new Date().toISOString().slice(0, 10),
  };
}

/** A PDF file name from the 文号 or the title, without characters file systems refuse. */
export function pdfNameOf(doc: OaDocument): string {
  return `${(doc.docNumber ?? doc.title).replace(/[\\/:*?"<>|\p{Cc}]/gu, "_").slice(0, 120)}.pdf`;
}

/**
 * Renders the document in the GB/T 9704 layout into the blob store and
 * records it as the document's PDF. The file is written to a temporary
 * folder and streamed into the store (never held whole in memory).
 */
export async function renderDocumentPdf(doc: OaDocument, blobs: BlobStore, t: Transaction): Promise<Attachment> {
  const dir = await mkdtemp(join(tmpdir(), "yong-oa-pdf-"));
  try {
    const path = join(dir, "document.pdf");
    try {
      await renderOfficialDocument(await printableOf(doc, t), path);
    } catch (error) {
      if (error instanceof MissingGlyphError) {
        throw conflict("pdf_missing_glyphs", error.message, { characters: error.characters });
      }
      if (error instanceof FontUnavailableError) throw new AppError(503, "pdf_fonts_missing", error.message);
      throw error;
    }
    const stored = await blobs.put(path);
    const row = await Attachment.create(
      {
        documentId: doc.id,
        kind: "pdf",
        name: pdfNameOf(doc),
        sha256: stored.sha256,
        size: stored.size,
        mime: "application/pdf",
        uploadedById: null,
      },
      { transaction: t },
    );
    doc.pdfSha256 = stored.sha256;
    await doc.save({ transaction: t });
    return row;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * For the blob sweep: which of `hashes` the OA refers to — its documents'
 * attachments and rendered PDFs (each PDF is an attachment row of kind "pdf").
 */
export async function oaBlobReferences(hashes: readonly string[]): Promise<Set<string>> {
  if (!hashes.length) return new Set();
  const rows = await Attachment.findAll({ attributes: ["sha256"], where: { sha256: [...hashes] } });
  return new Set(rows.map((row) => row.sha256));
}

import type { ArchiveIntake } from "../models/index.js";

/** A hand-over as archivists see it in the list: what it is, where it goes, and what became of it. */
export function presentIntake(row: ArchiveIntake) {
  return {
    id: row.id,
    sourceKey: row.sourceKey,
    title: row.title,
    docNumber: row.docNumber,
    issuedOn: row.issuedOn,
    fondsCode: row.fondsCode,
    organCode: row.organCode,
    year: row.year,
    retention: row.retention,
    openness: row.openness,
    hasOriginal: row.fileSha256 !== null,
    submittedBy: row.submittedBy,
    state: row.state,
    error: row.error,
    recordId: row.recordId,
    archiveCode: row.archiveCode,
    submittedAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

import type { ArchiveIntake } from "../models/index.js";
import { INTAKE_FAILURES } from "../services/intake.js";

const known = new Set<string>(INTAKE_FAILURES);

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
    /** Why it failed: a code the screens translate, or "error" with the message in `error`. */
    errorCode: row.error === null ? null : known.has(row.error) ? row.error : "error",
    error: row.error,
    recordId: row.recordId,
    archiveCode: row.archiveCode,
    submittedAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

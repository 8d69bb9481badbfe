import type { Actor } from "../../core/actor.js";
import type { Marked } from "../../search/types.js";
import type { ArchiveRecord } from "../models/index.js";
import { recordPolicy } from "../policies/record.js";
import { originalOf } from "../services/originals.js";

/** The fields of a record a list or a search result shows. */
export function presentRecordSummary(r: ArchiveRecord) {
  return {
    id: r.id,
    docNumber: r.docNumber,
    title: r.title,
    issuer: r.issuers.join("、"),
    issuers: r.issuers,
    docType: r.docType,
    issuedOn: r.issuedOn,
    validity: r.validity,
    openness: r.openness,
  };
}

export type RelatedRecord = {
  id: number;
  title: string;
  docNumber: string | null;
  kind: string;
  direction: "newer" | "older";
};

/** A whole record for its page; related versions only as far as the viewer may see them. */
export function presentRecord(r: ArchiveRecord, related: RelatedRecord[], viewer: Actor | undefined) {
  return {
    ...presentRecordSummary(r),
    effectiveOn: r.effectiveOn,
    subjects: r.subjects,
    category: r.category,
    retention: r.retention,
    archiveCode: r.archiveCode,
    source: r.source,
    fileName: r.fileName,
    fileFormat: r.fileFormat,
    pages: r.pages,
    original: presentOriginal(r),
    needsOcr: r.needsOcr,
    body: r.body,
    related,
    updatedAt: r.updatedAt.toISOString(),
    abilities: { manage: recordPolicy.manage(viewer) },
  };
}

/** Where the original file is read, its type and size; null when the record has none. */
function presentOriginal(r: ArchiveRecord) {
  const original = originalOf(r);
  return original ? { url: `/api/archive/records/${r.id}/file`, type: original.type, size: original.size } : null;
}

/** One search hit: the record's summary with the title and a snippet marked where the query matched. */
/** A suggestion under the search box: enough to recognise the record and open it. */
export function presentSuggestion(r: ArchiveRecord, title: Marked) {
  return { id: r.id, titleMarked: title, docNumber: r.docNumber, issuedOn: r.issuedOn, validity: r.validity };
}

export function presentHit(r: ArchiveRecord, hit: { title: Marked; snippet: Marked }) {
  return { ...presentRecordSummary(r), titleMarked: hit.title, snippet: hit.snippet };
}

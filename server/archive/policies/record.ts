import type { Actor } from "../../core/actor.js";
import type { Openness } from "../models/index.js";

/**
 * Who sees and changes archive records. The public (no session) and staff
 * without the archive see 公开 records only, in every path: search, facets,
 * counts, detail and files. Staff with the archive also see 内部 ones.
 * Archivists edit records, set openness and link versions.
 */
export const recordPolicy = {
  visibleOpenness: (actor: Actor | undefined): Openness[] =>
    actor?.can("archive.use") || actor?.can("archive.record.manage") ? ["公开", "内部"] : ["公开"],
  read: (actor: Actor | undefined, record: { openness: Openness }) =>
    recordPolicy.visibleOpenness(actor).includes(record.openness),
  manage: (actor: Actor | undefined) => Boolean(actor?.can("archive.record.manage")),
};

import type { Actor } from "../../core/actor.js";
import type { LibraryTitle } from "../models/index.js";

/**
 * What a person may do with a title's files, given their access to it
 * (services/reading.ts readAccessOf): `open` (an open-access title: anyone,
 * signed in or not), `loan` (a current loan: active and not past its due
 * time, even before the expiry job has run), or `none`.
 */
export type ReadAccess = { kind: "open" } | { kind: "loan"; dueAt: Date } | { kind: "none" };

export const readingPolicy = {
  /** The file's bytes: open access, or a current loan. An expired or returned loan is not one. */
  readFile: (access: ReadAccess) => access.kind !== "none",
  /** Saving the whole file (Content-Disposition: attachment) only for open access: a loan ends, a copy would not. */
  download: (title: Pick<LibraryTitle, "licenceModel">) => title.licenceModel === "open",
  /** Reading position and bookmarks: a signed-in patron who may read the title. */
  keepPlace: (actor: Actor | undefined, access: ReadAccess) => Boolean(actor) && access.kind !== "none",
  /** Borrowed books carry the reader's name and the time across each page; open access does not. */
  watermark: (access: ReadAccess) => access.kind === "loan",
};

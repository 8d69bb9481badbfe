import type { Marked } from "../../search/types.js";
import type { LibraryFile, LibraryTitle } from "../models/index.js";
import type { TitleAbilities } from "../policies/catalogue.js";
import { splitList, type LicenceState, type PatronState } from "../services/catalogueBrowser.js";

/**
 * Where a title's cover is fetched, or null when it has none. The hash in the
 * address makes a changed cover a new address, so browsers may keep a cover.
 */
export function coverUrl(t: Pick<LibraryTitle, "id" | "coverSha256">): string | null {
  return t.coverSha256 ? `/api/library/titles/${t.id}/cover?v=${t.coverSha256.slice(0, 12)}` : null;
}

/** A title on a shelf or in a list: enough for a cover card. */
export function presentTitleCard(t: LibraryTitle) {
  return {
    id: t.id,
    title: t.title,
    authors: splitList(t.authors),
    publisher: t.publisher,
    year: t.year,
    language: t.language,
    classCode: t.classCode,
    licenceModel: t.licenceModel,
    cover: coverUrl(t),
  };
}

/** A search hit: the card with the title and a stretch of text marked where the query matched. */
export function presentTitleHit(t: LibraryTitle, title: Marked, snippet: Marked | null) {
  return { ...presentTitleCard(t), marked: title, snippet };
}

/** A file as the title's page lists it: no storage path or hash leaves the server. */
export function presentFile(f: LibraryFile) {
  return { id: f.id, mediaType: f.mediaType, size: f.size, pageCount: f.pageCount };
}

export interface TitleDetailParts {
  classPath: { code: string; name: string }[];
  files: LibraryFile[];
  licence: LicenceState;
  /** The viewer's loan and hold; null for an anonymous visitor. */
  patron: PatronState | null;
  abilities: TitleAbilities;
}

/** A title's page. */
export function presentTitleDetail(t: LibraryTitle, parts: TitleDetailParts) {
  const { patron } = parts;
  return {
    ...presentTitleCard(t),
    isbn: t.isbn,
    subjects: splitList(t.subjects),
    summary: t.summary,
    class: t.classCode ? { code: t.classCode, path: parts.classPath } : null,
    files: parts.files.map(presentFile),
    licence: {
      model: t.licenceModel,
      copies: t.licenceModel === "open" ? null : t.copies,
      available: parts.licence.available,
      waiting: parts.licence.waiting,
    },
    signedIn: patron !== null,
    loan: patron?.loan ? { id: patron.loan.id, dueAt: patron.loan.dueAt.toISOString() } : null,
    hold: patron?.hold
      ? {
          id: patron.hold.id,
          state: patron.hold.state,
          position: patron.hold.position,
          claimUntil: patron.hold.claimUntil?.toISOString() ?? null,
        }
      : null,
    abilities: parts.abilities,
  };
}

export type TitleDetail = ReturnType<typeof presentTitleDetail>;
export type TitleCardShape = ReturnType<typeof presentTitleCard>;
export type TitleHitShape = ReturnType<typeof presentTitleHit>;

import type { LibraryFile, LibraryTitle } from "../models/index.js";
import type { LibraryBookmark, LibraryReadingPosition } from "../models/reading.js";
import type { ReadAccess } from "../policies/reading.js";

export const fileContentUrl = (titleId: number, fileId: number) =>
  `/api/library/titles/${titleId}/files/${fileId}/content`;

export function presentReaderFile(file: LibraryFile) {
  return {
    id: file.id,
    mediaType: file.mediaType,
    size: file.size,
    pageCount: file.pageCount,
    url: fileContentUrl(file.titleId, file.id),
  };
}

export function presentPosition(p: LibraryReadingPosition) {
  return { fileId: p.fileId, page: p.page, zoom: p.zoom, updatedAt: p.updatedAt.toISOString() };
}

export function presentBookmark(b: LibraryBookmark) {
  return { id: b.id, fileId: b.fileId, page: b.page, label: b.label, createdAt: b.createdAt.toISOString() };
}

/**
 * What the reader needs to open a title: its files, what the reader may do
 * (download, keep a place), the watermark's name for a borrowed book, and
 * where the patron left off.
 */
export function presentReading(props: {
  title: LibraryTitle;
  files: LibraryFile[];
  access: ReadAccess;
  can: { download: boolean; keepPlace: boolean };
  watermark: string | null;
  position: LibraryReadingPosition | null;
  bookmarks: LibraryBookmark[];
}) {
  const { title, access } = props;
  return {
    title: { id: title.id, title: title.title, authors: title.authors, licenceModel: title.licenceModel },
    files: props.files.map(presentReaderFile),
    access: { kind: access.kind, dueAt: access.kind === "loan" ? access.dueAt.toISOString() : null },
    can: props.can,
    watermark: props.watermark,
    position: props.position ? presentPosition(props.position) : null,
    bookmarks: props.bookmarks.map(presentBookmark),
  };
}

export type ReadingShape = ReturnType<typeof presentReading>;
export type ReadingPositionShape = ReturnType<typeof presentPosition>;
export type BookmarkShape = ReturnType<typeof presentBookmark>;

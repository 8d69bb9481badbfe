import { http, request } from "../request";
// Type-only: the shapes are the server's own presenters' (erased from the bundle, never copied).
import type { BookmarkShape, ReadingPositionShape, ReadingShape } from "../../../../server/library/presenters/reading";

export type ReadingSession = ReadingShape;
export type ReadingPosition = ReadingPositionShape;
export type Bookmark = BookmarkShape;
export type ReaderFile = ReadingShape["files"][number];

const base = (titleId: number) => `/api/library/titles/${titleId}`;

/** What the reader opens with (files, rights, watermark, the place kept); counted as one reading session. */
export function openReading(titleId: number, fileId?: number): Promise<ReadingSession> {
  return http.get<ReadingSession>(`${base(titleId)}/reading`, { file: fileId });
}

export function savePosition(
  titleId: number,
  body: { fileId: number; page: number; zoom: string },
): Promise<ReadingPosition> {
  return request<ReadingPosition>("PUT", `${base(titleId)}/reading`, { body });
}

export async function listBookmarks(titleId: number, fileId?: number): Promise<Bookmark[]> {
  return (await http.get<{ items: Bookmark[] }>(`${base(titleId)}/bookmarks`, { file: fileId })).items;
}

export function addBookmark(titleId: number, body: { fileId: number; page: number; label: string }): Promise<Bookmark> {
  return http.post<Bookmark>(`${base(titleId)}/bookmarks`, body);
}

export function deleteBookmark(titleId: number, bookmarkId: number): Promise<void> {
  return http.delete(`${base(titleId)}/bookmarks/${bookmarkId}`);
}

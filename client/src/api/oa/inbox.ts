import { http } from "../request";
import type { Page } from "../types";
// The rows are the server's own type (presenters/shapes.ts), erased from the bundle.
import type { InboxBox, InboxItem } from "../../../../server/oa/presenters/shapes";

export type { InboxBox, InboxItem };

/** The menu's badges: the totals of the lists, and whether the person supervises (督办). */
export interface InboxCounts {
  todo: number;
  toRead: number;
  drafts: number;
  overdue: number;
  abilities: { supervise: boolean };
}

/** GET /api/oa/inbox/:box: one page of 待办, 待阅, 已办, 我的草稿 or 督办, with the total. */
export const listInbox = (box: InboxBox, query: { page?: number; pageSize?: number } = {}) =>
  http.get<Page<InboxItem>>(`/api/oa/inbox/${box}`, { ...query });

export const getInboxCounts = () => http.get<InboxCounts>("/api/oa/inbox/counts");

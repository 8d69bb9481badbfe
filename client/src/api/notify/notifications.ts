import { http } from "../request";
import type { Page } from "../types";
// Type-only: the kinds and their params come from the server's catalogue (erased from the bundle, never copied).
import type { NotificationKind, NotificationMessage } from "../../../../server/notify/kinds";

export type { NotificationKind };

/** One notification: the message as a kind and its params (rendered through notify.kinds.*), and where it leads. */
export type NotificationItem = NotificationMessage & {
  id: number;
  /** A path inside the SPA, or null. */
  link: string | null;
  actorId: number | null;
  readAt: string | null;
  createdAt: string;
};

/** The figures the bell shows; every answer that changes them carries them. */
export interface UnreadSummary {
  unreadCount: number;
  /** The newest unread notification's id, or null when all are read. */
  latestId: number | null;
}

export type NotificationPage = Page<NotificationItem> & UnreadSummary;

export interface NotificationQuery {
  unread?: boolean;
  page?: number;
  pageSize?: number;
}

/** GET /api/notifications: the caller's notifications, newest first. */
export function listNotifications(query: NotificationQuery = {}): Promise<NotificationPage> {
  return http.get<NotificationPage>("/api/notifications", {
    unread: query.unread ? 1 : undefined,
    page: query.page,
    pageSize: query.pageSize,
  });
}

/** GET /api/notifications/unread-count: what the bell polls. */
export function getUnreadSummary(): Promise<UnreadSummary> {
  return http.get<UnreadSummary>("/api/notifications/unread-count");
}

/** POST /api/notifications/:id/read. */
export function markNotificationRead(id: number): Promise<UnreadSummary & { item: NotificationItem }> {
  return http.post<UnreadSummary & { item: NotificationItem }>(`/api/notifications/${id}/read`);
}

/** POST /api/notifications/read-all: up to `upToId` (the newest the person saw), or all. */
export function markAllNotificationsRead(upToId?: number | null): Promise<UnreadSummary & { marked: number }> {
  return http.post<UnreadSummary & { marked: number }>("/api/notifications/read-all", upToId ? { upToId } : {});
}

/** A channel notifications also reach the person by (e-mail to their personal mailbox), and whether it is on. */
export interface NotificationChannelItem {
  channel: "email";
  enabled: boolean;
}

/** GET /api/notifications/channels. */
export function listNotificationChannels(): Promise<{ items: NotificationChannelItem[] }> {
  return http.get<{ items: NotificationChannelItem[] }>("/api/notifications/channels");
}

/** PATCH /api/notifications/channels/:channel. */
export function setNotificationChannel(channel: NotificationChannelItem["channel"], enabled: boolean) {
  return http.patch<NotificationChannelItem>(`/api/notifications/channels/${channel}`, { enabled });
}

import type { MailAddress, MailFolder, MailSearchQuery, MailSummary } from "@/api/mail";
import type { LocationQuery, LocationQueryRaw } from "vue-router";

/** The bulk actions on the messages ticked in the list. */
export type ListAction =
  | { kind: "seen" | "unseen" | "flag" | "unflag" | "delete"; ids: number[] }
  | { kind: "move"; ids: number[]; folderId: number };

/** Messages a page of the list shows. */
export const PAGE_SIZE = 50;

type Translate = (key: string, named?: Record<string, unknown>) => string;

/** A folder's name as the reader's language says it: the standard ones translated, the user's as named. */
export function folderLabel(folder: Pick<MailFolder, "role" | "name">, t: Translate): string {
  return folder.role ? t(`mail.folders.roles.${folder.role}`) : folder.name;
}

/** 1.2 MB, 340 KB, 12 B. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}

/** "Name <address>", or whichever of the two there is. */
export function addressText(a: MailAddress): string {
  if (a.name && a.address) return `${a.name} <${a.address}>`;
  return a.name || a.address;
}

/** Who a list row names: the sender, or in Sent and Drafts the recipients. */
export function correspondent(m: MailSummary, role: MailFolder["role"] | undefined, t: Translate): string {
  if (role === "sent" || role === "drafts") return m.toText ? t("mail.list.toPrefix", { to: m.toText }) : "";
  return m.from ? m.from.name || m.from.address : t("mail.list.unknownSender");
}

/** A date in a list: the time today, the day this year, else the full date. */
export function listDate(iso: string, locale: string, now = new Date()): string {
  const date = new Date(iso);
  const sameDay = date.toDateString() === now.toDateString();
  if (sameDay) return new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(date);
  if (date.getFullYear() === now.getFullYear())
    return new Intl.DateTimeFormat(locale, { month: "short", day: "numeric" }).format(date);
  return new Intl.DateTimeFormat(locale, { year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}

/** The search fields kept in the page's address (so that back and reload keep a search). */
const SEARCH_KEYS = ["q", "from", "to", "subject", "body", "dateFrom", "dateTo"] as const;

type QueryValue = LocationQuery[string] | undefined;

const one = (value: QueryValue): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" && first.trim() ? first : undefined;
};

export const queryNumber = (value: QueryValue): number | undefined => {
  const text = one(value);
  return text && /^\d+$/.test(text) ? Number(text) : undefined;
};

/** The search the address describes, or null when it describes none. */
export function searchFromQuery(query: LocationQuery): MailSearchQuery | null {
  const search: MailSearchQuery = {};
  for (const key of SEARCH_KEYS) {
    const value = one(query[key]);
    if (value) search[key] = value;
  }
  if (one(query.att) === "1") search.hasAttachments = true;
  const folderId = queryNumber(query.sf);
  if (folderId) search.folderId = folderId;
  return Object.keys(search).length ? search : null;
}

/** The address's query for a search (and no other search fields). */
export function searchToQuery(search: MailSearchQuery | null): LocationQueryRaw {
  const out: LocationQueryRaw = {};
  for (const key of SEARCH_KEYS) out[key] = search?.[key]?.trim() || undefined;
  out.att = search?.hasAttachments ? "1" : undefined;
  out.sf = search?.folderId ? String(search.folderId) : undefined;
  return out;
}

import { Op, QueryTypes, type Sequelize, type WhereOptions } from "sequelize";
import type { BlobStore } from "../../core/blobStore.js";
import type { DocumentLoader } from "../../search/outbox.js";
import type { Marked, SearchBackend, SearchDocument } from "../../search/types.js";
import { MailMessage } from "../models/index.js";
import { openSource, readContent } from "./reading.js";

/**
 * Searching a mailbox through the shared search service (server/search): the
 * collection "mail", one document per message, its subject as the title and
 * its text as the body, so that Chinese words are found as the archive's are
 * (bigrams, Traditional and Simplified alike). Keywords say whose it is
 * (mailboxId), where it lies (folderId), who sent and received it and whether
 * it has attachments. The database still decides what is shown: a hit is
 * only listed if the message is in the mailbox searched, now.
 */

/** The search collection of mail; document ids are message ids. */
export const MAIL_COLLECTION = "mail";
/** The most of a message's text that is indexed. */
const BODY_CHARS = 200_000;

/** A day in the city's time zone (UTC+8 all year): what "received on" means to its staff. */
export function mailDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

const ADDRESS = /[^\s<>,;"']+@[^\s<>,;"']+/g;

let blobStore: BlobStore | null = null;

/**
 * The blob store the loader reads raw sources from. Set where the search
 * services are opened (server.ts openSearchServices), as loaders are called
 * with ids only.
 */
export function useMailSearchBlobs(store: BlobStore): void {
  blobStore = store;
}

/** A message as the search service keeps it. */
export async function mailSearchDocument(message: MailMessage, blobs: BlobStore): Promise<SearchDocument> {
  let text = "";
  const recipients = new Set<string>();
  for (const address of message.toText?.match(ADDRESS) ?? []) recipients.add(address.toLowerCase());
  if (!message.parseError) {
    try {
      const content = await readContent(await openSource(blobs, message));
      text = (content.text ?? "").slice(0, BODY_CHARS);
      for (const person of [...content.to, ...content.cc])
        if (person.address) recipients.add(person.address.toLowerCase());
    } catch {
      // Parsed on arrival but not now (a blob that went missing): found by its headers only.
    }
  }
  return {
    id: String(message.id),
    collection: MAIL_COLLECTION,
    title: message.subject ?? "",
    body: text,
    date: mailDay(message.receivedAt),
    keywords: {
      mailboxId: String(message.mailboxId),
      folderId: String(message.folderId),
      from: message.fromAddress ? message.fromAddress.toLowerCase() : null,
      to: [...recipients],
      hasAttachments: String(message.hasAttachments),
    },
  };
}

/** For the outbox drainer and the reindex: the current state of the messages named. */
export const loadMailDocuments: DocumentLoader = async (ids) => {
  const blobs = blobStore;
  if (!blobs) throw new Error("mail search: no blob store (useMailSearchBlobs was not called)");
  const messages = await MailMessage.findAll({ where: { id: ids.map(Number) } });
  const documents: SearchDocument[] = [];
  for (const message of messages) documents.push(await mailSearchDocument(message, blobs));
  return documents;
};

/** Message ids after `afterId`, in order: what a reindex walks. */
export async function mailIdsAfter(afterId: number, limit: number): Promise<number[]> {
  const rows = await MailMessage.findAll({
    attributes: ["id"],
    where: { id: { [Op.gt]: afterId } },
    order: [["id", "ASC"]],
    limit,
  });
  return rows.map((r) => r.id);
}

export interface MailSearch {
  /** Words in the subject or the text. */
  q?: string;
  /** Words in the subject. */
  subject?: string;
  /** Words in the text (the subject counts too: the search service has no field for the body alone). */
  body?: string;
  /** Part of the sender's address or name. */
  from?: string;
  /** Part of a recipient's address or name. */
  to?: string;
  /** Received from / to, YYYY-MM-DD, both days included. */
  dateFrom?: string;
  dateTo?: string;
  hasAttachments?: boolean;
  folderId?: number;
  page: number;
  pageSize: number;
}

export interface MailHit {
  message: MailMessage;
  /** Where the words matched, when the search had words. */
  match: { subject: Marked; snippet: Marked } | null;
}

export interface MailSearchResult {
  items: MailHit[];
  total: number;
}

/** `value` as a LIKE pattern matching it anywhere, with `!` escaping the wildcards (both databases know ESCAPE). */
const containing = (value: string) => `%${value.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;

function likeAny(sequelize: Sequelize, columns: readonly string[], value: string) {
  const pattern = sequelize.escape(containing(value));
  return sequelize.literal(`(${columns.map((c) => `LOWER(${c}) LIKE ${pattern} ESCAPE '!'`).join(" OR ")})`);
}

/** The senders of this mailbox's mail whose address or name contains what was typed. */
async function sendersLike(mailboxId: number, typed: string): Promise<string[]> {
  const sequelize = MailMessage.sequelize as Sequelize;
  const rows = await sequelize.query<{ fromAddress: string }>(
    `SELECT DISTINCT fromAddress FROM mail_messages
      WHERE mailboxId = ? AND fromAddress IS NOT NULL
        AND (LOWER(fromAddress) LIKE ? ESCAPE '!' OR LOWER(fromName) LIKE ? ESCAPE '!')
      LIMIT 200`,
    { replacements: [mailboxId, containing(typed), containing(typed)], type: QueryTypes.SELECT },
  );
  const found = new Set(rows.map((r) => r.fromAddress.toLowerCase()));
  if (typed.includes("@")) found.add(typed.toLowerCase());
  return [...found];
}

/** The recipients of this mailbox's mail whose address or name (as the To line wrote it) contains what was typed. */
async function recipientsLike(mailboxId: number, typed: string): Promise<string[]> {
  const sequelize = MailMessage.sequelize as Sequelize;
  const rows = await sequelize.query<{ toText: string }>(
    "SELECT DISTINCT toText FROM mail_messages WHERE mailboxId = ? AND LOWER(toText) LIKE ? ESCAPE '!' LIMIT 500",
    { replacements: [mailboxId, containing(typed)], type: QueryTypes.SELECT },
  );
  const wanted = typed.toLowerCase();
  const found = new Set<string>();
  for (const { toText } of rows) {
    // "Name <address>, address, …": each address with the text before it since the last comma.
    let from = 0;
    for (const match of toText.matchAll(ADDRESS)) {
      const address = match[0].toLowerCase();
      const segment = toText.slice(from, (match.index ?? 0) + match[0].length).toLowerCase();
      from = (match.index ?? 0) + match[0].length;
      if (segment.includes(wanted)) found.add(address);
    }
  }
  if (typed.includes("@")) found.add(wanted);
  return [...found];
}

/** The first instant of a day in UTC+8, and the first of the day after `to`. */
const dayStart = (day: string) => new Date(`${day}T00:00:00+08:00`);
const dayAfter = (day: string) => new Date(dayStart(day).getTime() + 24 * 3600_000);

/**
 * Without words, the database answers alone (exact order and totals); with
 * words, the search service finds them, filtered by the same conditions.
 */
export async function searchMailbox(
  backend: SearchBackend,
  mailboxId: number,
  query: MailSearch,
  attributes: readonly string[],
): Promise<MailSearchResult> {
  const words = [query.q, query.body, query.subject].filter((w): w is string => Boolean(w?.trim()));
  if (!words.length) return searchByColumns(mailboxId, query, attributes);
  const filters: Record<string, string[]> = { mailboxId: [String(mailboxId)] };
  if (query.folderId) filters.folderId = [String(query.folderId)];
  if (query.hasAttachments !== undefined) filters.hasAttachments = [String(query.hasAttachments)];
  if (query.from?.trim()) filters.from = await sendersLike(mailboxId, query.from.trim());
  if (query.to?.trim()) filters.to = await recipientsLike(mailboxId, query.to.trim());
  // Nobody of that name ever wrote to (or was written to from) this mailbox: nothing can match.
  if (filters.from?.length === 0 || filters.to?.length === 0) return { items: [], total: 0 };
  const subjectOnly = Boolean(query.subject?.trim()) && !query.q?.trim() && !query.body?.trim();
  const result = await backend.search({
    collection: MAIL_COLLECTION,
    text: words.join(" "),
    fields: subjectOnly ? "title" : "all",
    filters,
    dateFrom: query.dateFrom,
    dateTo: query.dateTo,
    sort: "newest",
    page: query.page,
    pageSize: query.pageSize,
  });
  const ids = result.hits.map((h) => Number(h.id));
  const where: WhereOptions = { id: ids, mailboxId, ...(query.folderId ? { folderId: query.folderId } : {}) };
  const rows = ids.length ? await MailMessage.findAll({ attributes: [...attributes], where }) : [];
  const byId = new Map(rows.map((m) => [m.id, m]));
  const items = result.hits.flatMap((hit) => {
    const message = byId.get(Number(hit.id));
    return message ? [{ message, match: { subject: hit.title, snippet: hit.snippet } }] : [];
  });
  return { items, total: result.total };
}

async function searchByColumns(
  mailboxId: number,
  query: MailSearch,
  attributes: readonly string[],
): Promise<MailSearchResult> {
  const sequelize = MailMessage.sequelize as Sequelize;
  const conditions: WhereOptions[] = [{ mailboxId }];
  if (query.folderId) conditions.push({ folderId: query.folderId });
  if (query.hasAttachments !== undefined) conditions.push({ hasAttachments: query.hasAttachments });
  if (query.dateFrom) conditions.push({ receivedAt: { [Op.gte]: dayStart(query.dateFrom) } });
  if (query.dateTo) conditions.push({ receivedAt: { [Op.lt]: dayAfter(query.dateTo) } });
  if (query.from?.trim()) conditions.push(likeAny(sequelize, ["fromAddress", "fromName"], query.from.trim()));
  if (query.to?.trim()) conditions.push(likeAny(sequelize, ["toText"], query.to.trim()));
  const where = { [Op.and]: conditions };
  const [rows, total] = await Promise.all([
    MailMessage.findAll({
      attributes: [...attributes],
      where,
      order: [
        ["receivedAt", "DESC"],
        ["id", "DESC"],
      ],
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    }),
    MailMessage.count({ where }),
  ]);
  return { items: rows.map((message) => ({ message, match: null })), total };
}

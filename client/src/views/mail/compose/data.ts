import addressparser from "nodemailer/lib/addressparser";
import type { Mailbox } from "@/api/mail";
import type { ComposeForm } from "@/api/mailCompose";

/**
 * The compose screen's rules, apart from the screen: reading typed or pasted
 * addresses, which mailboxes one may write from, when the form has changed,
 * and which field a server validation error is about.
 */

/** An address as typed or picked: the bare address the server takes, and a name to show when known. */
export interface AddressEntry {
  address: string;
  name: string;
}

// Separators people type in Chinese text (，；、) read as the ASCII ones outside quoted names.
const FULL_WIDTH_SEPARATORS = /[，；、]/g;

/**
 * Addresses in what was typed or pasted: "张三 <zs@x.cn>, li@y.com；wang@z.cn"
 * (RFC 5322 lists through nodemailer's parser, groups flattened). Text that has
 * no address is kept as it was typed, so the screen can mark it as invalid
 * rather than drop it.
 */
export function parseAddresses(text: string): AddressEntry[] {
  const normalized = text.replace(FULL_WIDTH_SEPARATORS, ",").trim();
  if (!normalized) return [];
  return addressparser(normalized, { flatten: true })
    .map((entry) => {
      const address = entry.address.trim();
      // A word without "@" comes back as a name; it is what the person typed as an address.
      return address
        ? { address: address.toLowerCase(), name: entry.name.trim() }
        : { address: entry.name.trim(), name: "" };
    })
    .filter((entry) => entry.address !== "");
}

const LOCAL_PART = /^[^\s@<>()[\]\\,;:"]+$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

/**
 * An address worth sending to: a local part without spaces or specials (no
 * leading, trailing or double dot) and a domain of at least two labels. Stricter
 * than the server's check, which only refuses what cannot be an address at all.
 */
export function isValidAddress(address: string): boolean {
  if (address.length > 320) return false;
  const at = address.lastIndexOf("@");
  if (at <= 0) return false;
  const local = address.slice(0, at);
  const labels = address.slice(at + 1).split(".");
  if (local.length > 64 || !LOCAL_PART.test(local) || /^\.|\.\.|\.$/.test(local)) return false;
  return labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label)) && !/^\d+$/.test(labels.at(-1)!);
}

/** Adds entries to a list of addresses, each once (case does not matter). */
export function mergeAddresses(list: readonly string[], entries: readonly AddressEntry[]): string[] {
  const out = [...list];
  const seen = new Set(out.map((a) => a.toLowerCase()));
  for (const { address } of entries) {
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(address);
  }
  return out;
}

/** The mailboxes one may write from: one's own, and the unit mailboxes one may send as. */
export function sendableMailboxes<T extends Pick<Mailbox, "access">>(mailboxes: readonly T[]): T[] {
  return mailboxes.filter((m) => m.access.canSendAs);
}

/** The mailbox the form starts from: the one the person came from if they may send as it, else their own. */
export function defaultFrom<T extends Pick<Mailbox, "id" | "access">>(
  mailboxes: readonly T[],
  cameFrom: number | null,
): T | null {
  const sendable = sendableMailboxes(mailboxes);
  return (
    sendable.find((m) => m.id === cameFrom) ?? sendable.find((m) => m.access.as === "owner") ?? sendable[0] ?? null
  );
}

/** The fields a form's changes are judged by (in a fixed order, so equal forms compare equal). */
export function formSnapshot(form: ComposeForm, fromId: number | null): string {
  return JSON.stringify([
    fromId,
    form.to,
    form.cc,
    form.bcc,
    form.subject,
    form.text,
    form.uploads,
    form.forwardParts.map((p) => [p.messageId, p.index]),
    form.replyTo,
  ]);
}

/** A blank form. */
export function emptyForm(): ComposeForm {
  return { to: [], cc: [], bcc: [], subject: "", text: "", uploads: [], forwardParts: [], replyTo: null };
}

export type AddressField = "to" | "cc" | "bcc";
export type FormField = AddressField | "subject" | "text";

/**
 * The field (and, for address lists, the entry) a validation error's path names:
 * "body.form.to.1" → { field: "to", index: 1 }. Paths outside the form give null.
 */
export function fieldOfPath(path: string): { field: FormField; index: number | null } | null {
  const parts = path.split(".");
  const at = parts.indexOf("form");
  if (at < 0) return null;
  const field = parts[at + 1];
  if (field !== "to" && field !== "cc" && field !== "bcc" && field !== "subject" && field !== "text") return null;
  const index = Number(parts[at + 2]);
  return { field, index: Number.isInteger(index) ? index : null };
}

/** "hh:mm" of a moment, in the reader's own time. */
export function clockTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
}

import type { AdminMailbox, MailListKind, MailListSenders } from "@/api/mailAdmin";

/** What the mail administration pages share: sizes as people read them, and the choices of a list. */

export const MB = 1024 * 1024;
const UNITS = ["B", "KB", "MB", "GB", "TB"] as const;

/** Bytes in binary units with at most one decimal (1.5 GB, 300 KB); quotas are set in MB, 1024 to the GB. */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
  return `${shown} ${UNITS[unit]}`;
}

/** How full a mailbox is, 0–100 (a mailbox over its quota shows full). */
export function usagePercent(used: number, quota: number): number {
  if (quota <= 0) return 100;
  return Math.min(100, Math.round((used / quota) * 1000) / 10);
}

/** The bar's colour: red once full, amber from the 90 % at which the owner is warned. */
export function usageStatus(percent: number): "success" | "warning" | "exception" {
  if (percent >= 100) return "exception";
  if (percent >= 90) return "warning";
  return "success";
}

/** The quota in whole MB, as the form edits it. */
export function quotaMbOf(bytes: number): number {
  return Math.max(1, Math.round(bytes / MB));
}

/** A mailbox for a picker: its address and whose it is. */
export function mailboxLabel(mailbox: Pick<AdminMailbox, "address" | "owner">): string {
  return mailbox.owner ? `${mailbox.address}（${mailbox.owner.name}）` : mailbox.address;
}

/** The address of a local part on a domain, as typed into the two halves of the form. */
export function joinAddress(localPart: string, domain: string): string {
  return `${localPart.trim().toLowerCase()}@${domain}`;
}

export const LIST_KINDS: readonly MailListKind[] = ["members", "all_units", "unit_leaders"];
export const LIST_SENDERS: readonly MailListSenders[] = ["local", "members", "anyone"];

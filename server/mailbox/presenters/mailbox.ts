import type { MailFolder, Mailbox } from "../models/index.js";
import type { MailboxAccess } from "../policies/mailbox.js";
import type { FolderCounts } from "../services/folders.js";
import type { MailboxBody, MailFolderBody } from "./readShapes.js";

/** Where the standard folders stand in the list, as mail clients order them. */
const ROLE_ORDER = { inbox: 0, drafts: 1, sent: 2, junk: 3, trash: 4 } as const;

export function presentFolder(folder: MailFolder, counts: FolderCounts | undefined): MailFolderBody {
  return {
    id: folder.id,
    name: folder.name,
    role: folder.role,
    total: counts?.total ?? 0,
    unread: counts?.unread ?? 0,
    // The standard folders are what every client relies on: only the user's own change.
    abilities: { rename: folder.role === null, remove: folder.role === null },
  };
}

export function sortFolders(folders: readonly MailFolderBody[]): MailFolderBody[] {
  const rank = (f: MailFolderBody) => (f.role ? ROLE_ORDER[f.role] : 10);
  return [...folders].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, "zh-Hans-CN"));
}

export function presentMailbox(
  mailbox: Mailbox,
  props: {
    name: string;
    access: MailboxAccess;
    folders: readonly MailFolder[];
    counts: ReadonlyMap<number, FolderCounts>;
  },
): MailboxBody {
  return {
    id: mailbox.id,
    address: mailbox.address,
    kind: mailbox.kind,
    name: props.name,
    access: { as: props.access.as, canSendAs: props.access.canSendAs },
    quota: { usedBytes: mailbox.usedBytes, quotaBytes: mailbox.quotaBytes },
    folders: sortFolders(props.folders.map((f) => presentFolder(f, props.counts.get(f.id)))),
  };
}

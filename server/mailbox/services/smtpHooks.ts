import type { Sequelize } from "sequelize";
import type { MxHooks } from "../../../mail/mx.js";
import type { BlobStore } from "../../core/blobStore.js";
import type { Mailbox } from "../models/index.js";
import { resolveRecipient } from "./addresses.js";
import type { Resolver } from "./authentication.js";
import { deliverToMailboxes } from "./delivery.js";

/** How long the MX reuses what an address resolved to, and for how many addresses (the quota it checks is as old). */
const RECENT_MS = 5_000;
const RECENT_ADDRESSES = 10_000;

/** The MX's questions answered by the mail store: which recipients it takes, and storing what they are sent. */
export function mailStoreHooks(deps: {
  sequelize: Sequelize;
  blobs: BlobStore;
  maxBytes: number;
  defaultQuotaBytes: number;
  /** The domain new personal and unit mailboxes get (the first configured one). */
  primaryDomain: string;
  /** This server's name in the trace headers. */
  mta: string;
  /** DNS for the sender checks; the system's when not given. */
  resolver?: Resolver;
}): MxHooks<Mailbox[]> {
  const defaults = { domain: deps.primaryDomain, quotaBytes: deps.defaultQuotaBytes };
  // A busy address (a unit's) is asked about by message after message: its mailbox is kept a few seconds,
  // with the bytes it held then (a mailbox may so take a few seconds' mail past its quota). Lists are not
  // kept (who may write depends on the sender, and their members change), nor are refusals.
  const recent = new Map<string, { mailboxes: Mailbox[]; until: number }>();
  return {
    async recipient(address, sender) {
      const key = address.toLowerCase();
      const now = Date.now();
      const known = recent.get(key);
      const cached = known && known.until > now ? known : null;
      const found = cached
        ? { kind: "local" as const, mailboxes: cached.mailboxes, list: null }
        : await resolveRecipient(address, { address: sender.toLowerCase(), authenticated: false }, defaults);
      if (found.kind !== "local") return found.kind;
      if (!found.list && !cached) {
        recent.delete(key);
        if (recent.size >= RECENT_ADDRESSES) recent.delete(recent.keys().next().value!);
        recent.set(key, { mailboxes: found.mailboxes, until: now + RECENT_MS });
      }
      const room = found.mailboxes.filter((mailbox) => mailbox.usedBytes < mailbox.quotaBytes);
      // A list still reaches the members with room; a person's full mailbox is a temporary failure (452).
      if (!found.list && !room.length) return "full";
      return { accept: room };
    },
    async deliver(source, arrival, recipients) {
      // Two addresses of one mailbox (a differently written one, an alias, a list) receive it once.
      const mailboxes = new Map(recipients.flat().map((mailbox) => [mailbox.id, mailbox]));
      const delivered = await deliverToMailboxes(deps.sequelize, deps.blobs, source, [...mailboxes.values()], {
        maxBytes: deps.maxBytes,
        arrival,
        mta: deps.mta,
        resolver: deps.resolver,
      });
      return { queueId: delivered.queueId };
    },
  };
}

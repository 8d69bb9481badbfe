import type { Sequelize } from "sequelize";
import type { MxHooks } from "../../../mail/mx.js";
import type { BlobStore } from "../../core/blobStore.js";
import type { Mailbox } from "../models/index.js";
import { resolveRecipient } from "./addresses.js";
import type { Resolver } from "./authentication.js";
import { deliverToMailboxes } from "./delivery.js";

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
  return {
    async recipient(address, sender) {
      const found = await resolveRecipient(address, { address: sender.toLowerCase(), authenticated: false }, defaults);
      if (found.kind !== "local") return found.kind;
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

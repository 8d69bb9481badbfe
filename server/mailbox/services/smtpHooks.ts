import type { Sequelize } from "sequelize";
import type { MxHooks } from "../../../mail/mx.js";
import type { BlobStore } from "../../core/blobStore.js";
import type { Mailbox } from "../models/index.js";
import { lookUpAddress } from "./addresses.js";
import type { Resolver } from "./authentication.js";
import { deliverToMailboxes } from "./delivery.js";

/** The MX's questions answered by the mail store: which recipients it takes, and storing what they are sent. */
export function mailStoreHooks(deps: {
  sequelize: Sequelize;
  blobs: BlobStore;
  maxBytes: number;
  defaultQuotaBytes: number;
  /** This server's name in the trace headers. */
  mta: string;
  /** DNS for the sender checks; the system's when not given. */
  resolver?: Resolver;
}): MxHooks<Mailbox> {
  return {
    async recipient(address) {
      const found = await lookUpAddress(address, deps.defaultQuotaBytes);
      if (found.kind !== "mailbox") return found.kind;
      return found.mailbox.usedBytes >= found.mailbox.quotaBytes ? "full" : { accept: found.mailbox };
    },
    async deliver(source, arrival, recipients) {
      // Two addresses of one mailbox (a differently written one) receive it once.
      const mailboxes = new Map(recipients.map((mailbox) => [mailbox.id, mailbox]));
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

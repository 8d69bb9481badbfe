import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * What the mail store needs beyond receiving (server/mailbox): sending,
 * sharing, administration and webmail.
 *
 * - `mailbox_members`: who may open a unit mailbox, and send as it (`canSendAs`);
 *   set by the unit's mail administrator.
 * - `mail_aliases`: another address delivering to a mailbox.
 * - `mail_lists` / `mail_list_members`: distribution lists. `kind` says who
 *   receives: the named `members`, every unit mailbox (`all_units`), or the
 *   leaders of `unitId` (`unit_leaders`, read from the organisation when a
 *   message arrives); `senders` says who may write to it.
 * - `mail_outbound`: the durable queue of mail to remote recipients, one row per
 *   recipient, worked by jobs (retries over days, then a DSN to the sender).
 * - `mail_uploads`: attachments uploaded while composing (blobs), until sent.
 * - DKIM keys per domain (`mail_domains`), a quota warning once per filling
 *   (`mailboxes.quotaWarnedAt`), threads and drafts on `mail_messages`.
 */
export async function up({ context: q }: Migration): Promise<void> {
  const now = { type: DataTypes.DATE, allowNull: false };
  const ref = (model: string, allowNull: boolean) => ({
    type: DataTypes.INTEGER,
    allowNull,
    references: { model, key: "id" },
  });

  await q.createTable("mailbox_members", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    mailboxId: { ...ref("mailboxes", false), onDelete: "CASCADE" },
    userId: { ...ref("users", false), onDelete: "CASCADE" },
    canSendAs: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    createdAt: now,
  });
  await q.addIndex("mailbox_members", ["mailboxId", "userId"], { unique: true, name: "mailbox_members_once" });
  await q.addIndex("mailbox_members", ["userId"]);

  await q.createTable("mail_aliases", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    address: { type: DataTypes.STRING(320), allowNull: false, unique: true },
    mailboxId: { ...ref("mailboxes", false), onDelete: "CASCADE" },
    createdAt: now,
  });
  await q.addIndex("mail_aliases", ["mailboxId"]);

  await q.createTable("mail_lists", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    address: { type: DataTypes.STRING(320), allowNull: false, unique: true },
    name: { type: DataTypes.STRING(200), allowNull: false },
    kind: { type: DataTypes.STRING(16), allowNull: false },
    unitId: { ...ref("units", true), onDelete: "CASCADE" },
    senders: { type: DataTypes.STRING(16), allowNull: false },
    createdAt: now,
    updatedAt: now,
  });
  await q.createTable("mail_list_members", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    listId: { ...ref("mail_lists", false), onDelete: "CASCADE" },
    mailboxId: { ...ref("mailboxes", false), onDelete: "CASCADE" },
    createdAt: now,
  });
  await q.addIndex("mail_list_members", ["listId", "mailboxId"], { unique: true, name: "mail_list_members_once" });

  await q.createTable("mail_outbound", {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    /** The sending mailbox (its owner gets the DSN); null for mail the server itself sends (a bounce). */
    mailboxId: { ...ref("mailboxes", true), onDelete: "SET NULL" },
    sha256: { type: DataTypes.STRING(64), allowNull: false },
    size: { type: DataTypes.INTEGER, allowNull: false },
    envelopeFrom: { type: DataTypes.STRING(320), allowNull: false },
    recipient: { type: DataTypes.STRING(320), allowNull: false },
    domain: { type: DataTypes.STRING(253), allowNull: false },
    messageId: { type: DataTypes.STRING(255), allowNull: true },
    /** queued → sent, or bounced (refused for good, or given up after the retry period). */
    state: { type: DataTypes.STRING(16), allowNull: false },
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    lastAttemptAt: { type: DataTypes.DATE, allowNull: true },
    /** The remote server's last answer, or why it could not be reached. */
    lastResponse: { type: DataTypes.STRING(1000), allowNull: true },
    remoteHost: { type: DataTypes.STRING(253), allowNull: true },
    createdAt: now,
    finishedAt: { type: DataTypes.DATE, allowNull: true },
  });
  await q.addIndex("mail_outbound", ["state", "createdAt"]);
  await q.addIndex("mail_outbound", ["sha256"]);

  await q.createTable("mail_uploads", {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    userId: { ...ref("users", false), onDelete: "CASCADE" },
    sha256: { type: DataTypes.STRING(64), allowNull: false },
    filename: { type: DataTypes.STRING(255), allowNull: false },
    contentType: { type: DataTypes.STRING(200), allowNull: false },
    size: { type: DataTypes.INTEGER, allowNull: false },
    createdAt: now,
  });
  await q.addIndex("mail_uploads", ["userId"]);
  await q.addIndex("mail_uploads", ["sha256"]);

  await q.addColumn("mail_domains", "dkimSelector", { type: DataTypes.STRING(63), allowNull: true });
  /** PEM; a secret: never presented, never logged. */
  await q.addColumn("mail_domains", "dkimPrivateKey", { type: DataTypes.TEXT, allowNull: true });
  await q.addColumn("mailboxes", "quotaWarnedAt", { type: DataTypes.DATE, allowNull: true });
  await q.addColumn("mail_messages", "threadId", { type: DataTypes.BIGINT, allowNull: true });
  /** The Message-IDs this one answers (In-Reply-To, then References), space-separated: how threads are found. */
  await q.addColumn("mail_messages", "inReplyTo", { type: DataTypes.STRING(2000), allowNull: true });
  /** A draft's form as the writer left it (JSON): recipients, body, uploads, the mailbox it is sent from. */
  await q.addColumn("mail_messages", "draft", { type: DataTypes.TEXT, allowNull: true });
  await q.addIndex("mail_messages", ["folderId", "receivedAt"]);
  await q.addIndex("mail_messages", ["mailboxId", "messageId"]);
  await q.addIndex("mail_messages", ["threadId"]);
  // The hourly prune drops the once-only records of received bytes after a week.
  await q.addIndex("mail_deliveries", ["createdAt"]);
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.removeIndex("mail_deliveries", ["createdAt"]);
  await q.removeIndex("mail_messages", ["threadId"]);
  await q.removeIndex("mail_messages", ["mailboxId", "messageId"]);
  await q.removeIndex("mail_messages", ["folderId", "receivedAt"]);
  await q.removeColumn("mail_messages", "draft");
  await q.removeColumn("mail_messages", "inReplyTo");
  await q.removeColumn("mail_messages", "threadId");
  await q.removeColumn("mailboxes", "quotaWarnedAt");
  await q.removeColumn("mail_domains", "dkimPrivateKey");
  await q.removeColumn("mail_domains", "dkimSelector");
  await q.dropTable("mail_uploads");
  await q.dropTable("mail_outbound");
  await q.dropTable("mail_list_members");
  await q.dropTable("mail_lists");
  await q.dropTable("mail_aliases");
  await q.dropTable("mailbox_members");
}

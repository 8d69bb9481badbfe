import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * The mail store (server/mailbox).
 *
 * - `mail_domains`: the domains mail is accepted for (MAIL_DOMAINS at start; mail
 *   administrators add more).
 * - `mailboxes`: one per address that receives mail: a person's
 *   (<username>@<domain>, `userId`) or a unit's (<unit code without "nanning.">,
 *   `unitId`), with its quota and the bytes it holds.
 * - `mail_folders`: INBOX, Sent, Drafts, Trash, Junk (`role`) and the user's own;
 *   `uidNext` gives each message of a folder its IMAP-style UID, bumped in the
 *   delivering transaction.
 * - `mail_messages`: a message in a folder: the raw source in the blob store
 *   (`sha256`) as it was received, the trace headers this server put on top of
 *   it (kept apart, so that the same bytes are recognised when sent again),
 *   what the lists show (from, subject, date), flags.
 * - `mail_deliveries`: each message as received for a mailbox, by the hash of
 *   its bytes: delivering the same bytes to a mailbox twice (a client that
 *   resends after a lost 250) stores it once.
 */
export async function up({ context: q }: Migration): Promise<void> {
  const now = { type: DataTypes.DATE, allowNull: false };
  const ref = (model: string, allowNull: boolean) => ({
    type: DataTypes.INTEGER,
    allowNull,
    references: { model, key: "id" },
  });

  await q.createTable("mail_domains", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    name: { type: DataTypes.STRING(253), allowNull: false, unique: true },
    createdAt: now,
  });

  await q.createTable("mailboxes", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    address: { type: DataTypes.STRING(320), allowNull: false, unique: true },
    kind: { type: DataTypes.STRING(16), allowNull: false },
    userId: ref("users", true),
    unitId: ref("units", true),
    quotaBytes: { type: DataTypes.BIGINT, allowNull: false },
    usedBytes: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
    createdAt: now,
    updatedAt: now,
  });
  await q.addIndex("mailboxes", ["userId"]);
  await q.addIndex("mailboxes", ["unitId"]);

  await q.createTable("mail_folders", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    mailboxId: { ...ref("mailboxes", false), onDelete: "CASCADE" },
    name: { type: DataTypes.STRING(200), allowNull: false },
    role: { type: DataTypes.STRING(16), allowNull: true },
    uidNext: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
    createdAt: now,
  });
  await q.addIndex("mail_folders", ["mailboxId", "name"], { unique: true, name: "mail_folders_name" });

  await q.createTable("mail_messages", {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    mailboxId: { ...ref("mailboxes", false), onDelete: "CASCADE" },
    folderId: { ...ref("mail_folders", false), onDelete: "CASCADE" },
    uid: { type: DataTypes.INTEGER, allowNull: false },
    sha256: { type: DataTypes.STRING(64), allowNull: false },
    size: { type: DataTypes.INTEGER, allowNull: false },
    messageId: { type: DataTypes.STRING(255), allowNull: true },
    subject: { type: DataTypes.STRING(500), allowNull: true },
    fromAddress: { type: DataTypes.STRING(320), allowNull: true },
    fromName: { type: DataTypes.STRING(200), allowNull: true },
    toText: { type: DataTypes.STRING(2000), allowNull: true },
    sentAt: { type: DataTypes.DATE, allowNull: true },
    receivedAt: now,
    hasAttachments: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    /** The trace headers this server added (Received, Authentication-Results), kept apart from the raw bytes. */
    traceHeaders: { type: DataTypes.TEXT, allowNull: true },
    /** Why the message could not be parsed (it is kept, and shows its raw source). */
    parseError: { type: DataTypes.STRING(500), allowNull: true },
    seen: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    flagged: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    answered: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    deleted: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
  });
  await q.addIndex("mail_messages", ["folderId", "uid"], { unique: true, name: "mail_messages_uid" });
  await q.addIndex("mail_messages", ["mailboxId", "receivedAt"]);
  await q.addIndex("mail_messages", ["sha256"]);

  await q.createTable("mail_deliveries", {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    mailboxId: { ...ref("mailboxes", false), onDelete: "CASCADE" },
    sha256: { type: DataTypes.STRING(64), allowNull: false },
    createdAt: now,
  });
  await q.addIndex("mail_deliveries", ["mailboxId", "sha256"], { unique: true, name: "mail_deliveries_once" });
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("mail_deliveries");
  await q.dropTable("mail_messages");
  await q.dropTable("mail_folders");
  await q.dropTable("mailboxes");
  await q.dropTable("mail_domains");
}

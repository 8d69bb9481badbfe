import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from "sequelize";
import { bigintNumber } from "../../core/columns.js";

/** A domain mail is accepted for (migration 0020). */
export class MailDomain extends Model<InferAttributes<MailDomain>, InferCreationAttributes<MailDomain>> {
  declare id: CreationOptional<number>;
  declare name: string;
  /** The DKIM selector and private key (PEM) mail from this domain is signed with; made on first use. */
  declare dkimSelector: CreationOptional<string | null>;
  /** A secret: never presented, never logged. */
  declare dkimPrivateKey: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    MailDomain.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        name: { type: DataTypes.STRING(253), allowNull: false },
        dkimSelector: { type: DataTypes.STRING(63), allowNull: true },
        dkimPrivateKey: { type: DataTypes.TEXT, allowNull: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "mail_domains", updatedAt: false },
    );
  }
}

export const MAILBOX_KINDS = ["personal", "unit"] as const;
export type MailboxKind = (typeof MAILBOX_KINDS)[number];

/** An address that receives mail: a person's or a unit's. */
export class Mailbox extends Model<InferAttributes<Mailbox>, InferCreationAttributes<Mailbox>> {
  declare id: CreationOptional<number>;
  declare address: string;
  declare kind: MailboxKind;
  declare userId: number | null;
  declare unitId: number | null;
  declare quotaBytes: number;
  declare usedBytes: CreationOptional<number>;
  /** When its owner was warned that it is nearly full; cleared when it falls below the mark again. */
  declare quotaWarnedAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Mailbox.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        address: { type: DataTypes.STRING(320), allowNull: false },
        kind: { type: DataTypes.STRING(16), allowNull: false },
        userId: { type: DataTypes.INTEGER, allowNull: true },
        unitId: { type: DataTypes.INTEGER, allowNull: true },
        quotaBytes: { ...bigintNumber("quotaBytes"), allowNull: false },
        usedBytes: { ...bigintNumber("usedBytes"), allowNull: false, defaultValue: 0 },
        quotaWarnedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "mailboxes" },
    );
  }
}

export const FOLDER_ROLES = ["inbox", "sent", "drafts", "trash", "junk"] as const;
export type FolderRole = (typeof FOLDER_ROLES)[number];

/** The folders every mailbox starts with, by role, with their names (IMAP's, as clients expect them). */
export const STANDARD_FOLDERS: readonly { role: FolderRole; name: string }[] = [
  { role: "inbox", name: "INBOX" },
  { role: "sent", name: "Sent" },
  { role: "drafts", name: "Drafts" },
  { role: "trash", name: "Trash" },
  { role: "junk", name: "Junk" },
];

export class MailFolder extends Model<InferAttributes<MailFolder>, InferCreationAttributes<MailFolder>> {
  declare id: CreationOptional<number>;
  declare mailboxId: number;
  declare name: string;
  declare role: FolderRole | null;
  /** The UID the next message of this folder gets. */
  declare uidNext: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    MailFolder.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        mailboxId: { type: DataTypes.INTEGER, allowNull: false },
        name: { type: DataTypes.STRING(200), allowNull: false },
        role: { type: DataTypes.STRING(16), allowNull: true },
        uidNext: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "mail_folders", updatedAt: false },
    );
  }
}

/** A message in a folder; its raw source is a blob. */
export class MailMessage extends Model<InferAttributes<MailMessage>, InferCreationAttributes<MailMessage>> {
  declare id: CreationOptional<number>;
  declare mailboxId: number;
  declare folderId: number;
  declare uid: number;
  declare sha256: string;
  declare size: number;
  declare messageId: string | null;
  declare subject: string | null;
  declare fromAddress: string | null;
  declare fromName: string | null;
  declare toText: string | null;
  declare sentAt: Date | null;
  declare receivedAt: Date;
  declare hasAttachments: boolean;
  declare parseError: string | null;
  /** Received and Authentication-Results lines added on arrival; they go on top of the raw source when read. */
  declare traceHeaders: string | null;
  declare seen: CreationOptional<boolean>;
  declare flagged: CreationOptional<boolean>;
  declare answered: CreationOptional<boolean>;
  declare deleted: CreationOptional<boolean>;
  /** The first message of its thread in this mailbox (its own id when it starts one). */
  declare threadId: CreationOptional<number | null>;
  /** The Message-IDs it answers (In-Reply-To, then References), space-separated. */
  declare inReplyTo: CreationOptional<string | null>;
  /** For a draft: the form as its writer left it (JSON, see services/compose.ts). */
  declare draft: CreationOptional<string | null>;

  static initModel(sequelize: Sequelize): void {
    MailMessage.init(
      {
        id: { ...bigintNumber("id"), allowNull: false, primaryKey: true, autoIncrement: true },
        mailboxId: { type: DataTypes.INTEGER, allowNull: false },
        folderId: { type: DataTypes.INTEGER, allowNull: false },
        uid: { type: DataTypes.INTEGER, allowNull: false },
        sha256: { type: DataTypes.STRING(64), allowNull: false },
        size: { type: DataTypes.INTEGER, allowNull: false },
        messageId: { type: DataTypes.STRING(255), allowNull: true },
        subject: { type: DataTypes.STRING(500), allowNull: true },
        fromAddress: { type: DataTypes.STRING(320), allowNull: true },
        fromName: { type: DataTypes.STRING(200), allowNull: true },
        toText: { type: DataTypes.STRING(2000), allowNull: true },
        sentAt: { type: DataTypes.DATE, allowNull: true },
        receivedAt: { type: DataTypes.DATE, allowNull: false },
        hasAttachments: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        parseError: { type: DataTypes.STRING(500), allowNull: true },
        traceHeaders: { type: DataTypes.TEXT, allowNull: true },
        seen: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        flagged: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        answered: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        deleted: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        threadId: { ...bigintNumber("threadId"), allowNull: true },
        inReplyTo: { type: DataTypes.STRING(2000), allowNull: true },
        draft: { type: DataTypes.TEXT, allowNull: true },
      },
      { sequelize, tableName: "mail_messages", timestamps: false },
    );
  }
}

/** A message received for a mailbox, by the hash of its bytes: the same bytes are delivered once. */
export class MailDelivery extends Model<InferAttributes<MailDelivery>, InferCreationAttributes<MailDelivery>> {
  declare id: CreationOptional<number>;
  declare mailboxId: number;
  declare sha256: string;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    MailDelivery.init(
      {
        id: { ...bigintNumber("id"), allowNull: false, primaryKey: true, autoIncrement: true },
        mailboxId: { type: DataTypes.INTEGER, allowNull: false },
        sha256: { type: DataTypes.STRING(64), allowNull: false },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "mail_deliveries", updatedAt: false },
    );
  }
}

/** A member of a unit mailbox: reads it, and sends as it when `canSendAs`. */
export class MailboxMember extends Model<InferAttributes<MailboxMember>, InferCreationAttributes<MailboxMember>> {
  declare id: CreationOptional<number>;
  declare mailboxId: number;
  declare userId: number;
  declare canSendAs: boolean;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    MailboxMember.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        mailboxId: { type: DataTypes.INTEGER, allowNull: false },
        userId: { type: DataTypes.INTEGER, allowNull: false },
        canSendAs: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "mailbox_members", updatedAt: false },
    );
  }
}

/** Another address of a mailbox. */
export class MailAlias extends Model<InferAttributes<MailAlias>, InferCreationAttributes<MailAlias>> {
  declare id: CreationOptional<number>;
  declare address: string;
  declare mailboxId: number;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    MailAlias.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        address: { type: DataTypes.STRING(320), allowNull: false },
        mailboxId: { type: DataTypes.INTEGER, allowNull: false },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "mail_aliases", updatedAt: false },
    );
  }
}

/** Who receives a list's mail: its named members, every unit mailbox, or the leaders of a unit. */
export const MAIL_LIST_KINDS = ["members", "all_units", "unit_leaders"] as const;
export type MailListKind = (typeof MAIL_LIST_KINDS)[number];
/** Who may write to a list: anyone, senders of the local domains, or its members only. */
export const MAIL_LIST_SENDERS = ["anyone", "local", "members"] as const;
export type MailListSenders = (typeof MAIL_LIST_SENDERS)[number];

export class MailList extends Model<InferAttributes<MailList>, InferCreationAttributes<MailList>> {
  declare id: CreationOptional<number>;
  declare address: string;
  declare name: string;
  declare kind: MailListKind;
  declare unitId: number | null;
  declare senders: MailListSenders;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    MailList.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        address: { type: DataTypes.STRING(320), allowNull: false },
        name: { type: DataTypes.STRING(200), allowNull: false },
        kind: { type: DataTypes.STRING(16), allowNull: false },
        unitId: { type: DataTypes.INTEGER, allowNull: true },
        senders: { type: DataTypes.STRING(16), allowNull: false },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "mail_lists" },
    );
  }
}

export class MailListMember extends Model<InferAttributes<MailListMember>, InferCreationAttributes<MailListMember>> {
  declare id: CreationOptional<number>;
  declare listId: number;
  declare mailboxId: number;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    MailListMember.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        listId: { type: DataTypes.INTEGER, allowNull: false },
        mailboxId: { type: DataTypes.INTEGER, allowNull: false },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "mail_list_members", updatedAt: false },
    );
  }
}

export const OUTBOUND_STATES = ["queued", "sent", "bounced"] as const;
export type OutboundState = (typeof OUTBOUND_STATES)[number];

/** A message on its way to one remote recipient. */
export class MailOutbound extends Model<InferAttributes<MailOutbound>, InferCreationAttributes<MailOutbound>> {
  declare id: CreationOptional<number>;
  declare mailboxId: number | null;
  declare sha256: string;
  declare size: number;
  declare envelopeFrom: string;
  declare recipient: string;
  declare domain: string;
  declare messageId: string | null;
  declare state: OutboundState;
  declare attempts: CreationOptional<number>;
  declare lastAttemptAt: CreationOptional<Date | null>;
  declare lastResponse: CreationOptional<string | null>;
  declare remoteHost: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare finishedAt: CreationOptional<Date | null>;

  static initModel(sequelize: Sequelize): void {
    MailOutbound.init(
      {
        id: { ...bigintNumber("id"), allowNull: false, primaryKey: true, autoIncrement: true },
        mailboxId: { type: DataTypes.INTEGER, allowNull: true },
        sha256: { type: DataTypes.STRING(64), allowNull: false },
        size: { type: DataTypes.INTEGER, allowNull: false },
        envelopeFrom: { type: DataTypes.STRING(320), allowNull: false },
        recipient: { type: DataTypes.STRING(320), allowNull: false },
        domain: { type: DataTypes.STRING(253), allowNull: false },
        messageId: { type: DataTypes.STRING(255), allowNull: true },
        state: { type: DataTypes.STRING(16), allowNull: false },
        attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        lastAttemptAt: { type: DataTypes.DATE, allowNull: true },
        lastResponse: { type: DataTypes.STRING(1000), allowNull: true },
        remoteHost: { type: DataTypes.STRING(253), allowNull: true },
        createdAt: DataTypes.DATE,
        finishedAt: { type: DataTypes.DATE, allowNull: true },
      },
      { sequelize, tableName: "mail_outbound", updatedAt: false },
    );
  }
}

/** An attachment uploaded while composing, kept until the message is sent or the draft dropped. */
export class MailUpload extends Model<InferAttributes<MailUpload>, InferCreationAttributes<MailUpload>> {
  declare id: CreationOptional<number>;
  declare userId: number;
  declare sha256: string;
  declare filename: string;
  declare contentType: string;
  declare size: number;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    MailUpload.init(
      {
        id: { ...bigintNumber("id"), allowNull: false, primaryKey: true, autoIncrement: true },
        userId: { type: DataTypes.INTEGER, allowNull: false },
        sha256: { type: DataTypes.STRING(64), allowNull: false },
        filename: { type: DataTypes.STRING(255), allowNull: false },
        contentType: { type: DataTypes.STRING(200), allowNull: false },
        size: { type: DataTypes.INTEGER, allowNull: false },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "mail_uploads", updatedAt: false },
    );
  }
}

export function initMailboxModels(sequelize: Sequelize): void {
  MailboxMember.initModel(sequelize);
  MailAlias.initModel(sequelize);
  MailList.initModel(sequelize);
  MailListMember.initModel(sequelize);
  MailOutbound.initModel(sequelize);
  MailUpload.initModel(sequelize);
  MailDomain.initModel(sequelize);
  Mailbox.initModel(sequelize);
  MailFolder.initModel(sequelize);
  MailMessage.initModel(sequelize);
  MailDelivery.initModel(sequelize);
}

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
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    MailDomain.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        name: { type: DataTypes.STRING(253), allowNull: false },
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

export function initMailboxModels(sequelize: Sequelize): void {
  MailDomain.initModel(sequelize);
  Mailbox.initModel(sequelize);
  MailFolder.initModel(sequelize);
  MailMessage.initModel(sequelize);
  MailDelivery.initModel(sequelize);
}

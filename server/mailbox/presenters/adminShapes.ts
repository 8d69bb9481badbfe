/**
 * What mail administration's answers and requests look like on the wire
 * (/api/mail/admin). The presenters and the routes' schemas are typed with
 * these, so the compiler holds them to it; the SPA imports this file type-only
 * (client/src/api/mailAdmin.ts), so its types are the server's own and cannot
 * drift. Imports nothing but types.
 */
import type { MailboxKind, MailListKind, MailListSenders } from "../models/index.js";

export type { MailboxKind, MailListKind, MailListSenders };

export interface MailDomainBody {
  id: number;
  name: string;
  createdAt: string;
  /** Named in MAIL_DOMAINS: added again at every start, so it cannot be removed here. */
  configured: boolean;
  /** Mailboxes, aliases and lists on the domain; while any exist it cannot be removed. */
  mailboxes: number;
  aliases: number;
  lists: number;
  /** The DKIM selector, once a key was made (the key itself never leaves the server). */
  dkimSelector: string | null;
  abilities: { remove: boolean };
}

export interface MailDomainList {
  items: MailDomainBody[];
  abilities: { create: boolean };
}

/** The DNS TXT record that publishes a domain's DKIM public key. */
export interface DkimRecordBody {
  domain: string;
  name: string;
  value: string;
  /** The same as a BIND zone-file line, the value cut into strings of 255 characters at most (RFC 7208 §3.3). */
  zone: string;
}

/** Whose a mailbox is: a person (personal) or a unit (unit mailbox). */
export interface MailboxOwnerBody {
  kind: "user" | "unit";
  id: number;
  name: string;
  /** The person's username (personal mailboxes only). */
  username: string | null;
  /** The person's unit, or the unit itself. */
  unitName: string | null;
  /** The person's account is disabled. */
  disabled: boolean;
}

export interface AdminMailboxBody {
  id: number;
  address: string;
  kind: MailboxKind;
  owner: MailboxOwnerBody | null;
  quotaBytes: number;
  usedBytes: number;
  /** People sharing a unit mailbox; null for a personal one. */
  members: number | null;
  createdAt: string;
  abilities: { editQuota: boolean; manageMembers: boolean };
}

export interface AdminMailboxList {
  items: AdminMailboxBody[];
  total: number;
  page: number;
  pageSize: number;
  abilities: {
    /** A mail administrator: domains, aliases, lists, every mailbox. */
    administer: boolean;
    editQuota: boolean;
    /** Units whose unit mailbox the caller may open ahead of its first mail (each with the units below it). */
    createFor: "all" | { id: number; name: string }[];
  };
}

export interface MailboxMemberBody {
  userId: number;
  username: string;
  displayName: string;
  unitName: string | null;
  disabled: boolean;
  canSendAs: boolean;
  createdAt: string;
}

export interface MailboxMembersBody {
  mailbox: AdminMailboxBody;
  items: MailboxMemberBody[];
  abilities: { manage: boolean };
}

/** A mailbox named in an alias or a list, with whose it is. */
export interface MailboxRefBody {
  id: number;
  address: string;
  ownerName: string | null;
}

export interface MailAliasBody {
  id: number;
  address: string;
  mailbox: MailboxRefBody;
  createdAt: string;
}

export interface MailAliasList {
  items: MailAliasBody[];
  total: number;
  page: number;
  pageSize: number;
  abilities: { create: boolean };
}

export interface MailListBody {
  id: number;
  address: string;
  name: string;
  kind: MailListKind;
  unit: { id: number; name: string } | null;
  senders: MailListSenders;
  /** Named members (kind "members"); the other kinds read their people from the organisation. */
  members: number;
  createdAt: string;
  updatedAt: string;
}

export interface MailListList {
  items: MailListBody[];
  total: number;
  page: number;
  pageSize: number;
  abilities: { create: boolean };
}

export interface MailListDetailBody extends MailListBody {
  memberList: MailboxRefBody[];
}

// Requests. The routes' schemas are checked against these (schema.ts: `satisfies`).

export interface DomainCreateRequest {
  name: string;
}

export interface QuotaUpdateRequest {
  /** Megabytes, at least 1. */
  quotaMb: number;
}

export interface UnitMailboxCreateRequest {
  unitId: number;
  /** One of the local domains; the first configured one when left out. */
  domain?: string;
}

export interface MemberAddRequest {
  userId: number;
  canSendAs?: boolean;
}

export interface MemberUpdateRequest {
  canSendAs: boolean;
}

export interface AliasCreateRequest {
  address: string;
  /** The address of the mailbox it delivers to (a person's or a unit's, made on first use). */
  target: string;
}

export interface AliasUpdateRequest {
  target: string;
}

export interface ListCreateRequest {
  address: string;
  name: string;
  kind: MailListKind;
  /** The unit whose leaders receive the list's mail (kind "unit_leaders" only). */
  unitId?: number | null;
  senders: MailListSenders;
  /** Addresses of the named members' mailboxes (kind "members" only). */
  members?: string[];
}

export interface ListUpdateRequest {
  name?: string;
  kind?: MailListKind;
  unitId?: number | null;
  senders?: MailListSenders;
}

export interface ListMemberAddRequest {
  address: string;
}

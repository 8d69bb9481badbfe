import { http } from "./request";
// The server's own shapes (types only, erased from the bundle).
import type {
  AdminMailboxBody,
  AdminMailboxList,
  AliasCreateRequest,
  DkimRecordBody,
  DomainCreateRequest,
  ListCreateRequest,
  ListUpdateRequest,
  MailAliasBody,
  MailAliasList,
  MailDomainBody,
  MailDomainList,
  MailListDetailBody,
  MailListList,
  MailboxKind,
  MailboxMemberBody,
  MailboxMembersBody,
  UnitMailboxCreateRequest,
} from "../../../server/mailbox/presenters/adminShapes";

export type {
  AdminMailboxBody as AdminMailbox,
  AdminMailboxList,
  DkimRecordBody as DkimRecord,
  MailAliasBody as MailAlias,
  MailAliasList,
  MailDomainBody as MailDomain,
  MailDomainList,
  MailListDetailBody as MailListDetail,
  MailListList,
  MailboxMemberBody as MailboxMember,
  MailboxMembersBody,
};
export type {
  MailListBody as MailList,
  MailListKind,
  MailListSenders,
} from "../../../server/mailbox/presenters/adminShapes";

const BASE = "/api/mail/admin";

export interface PagedQuery {
  q?: string;
  page?: number;
  pageSize?: number;
}

// Domains (mail administrators).
export const listDomains = () => http.get<MailDomainList>(`${BASE}/domains`);
export const createDomain = (body: DomainCreateRequest) => http.post<MailDomainBody>(`${BASE}/domains`, body);
export const removeDomain = (id: number) => http.delete(`${BASE}/domains/${id}`);
/** The DNS TXT record of the domain's DKIM key (the key is made the first time this is asked). */
export const domainDkim = (id: number) => http.get<DkimRecordBody>(`${BASE}/domains/${id}/dkim`);

// Mailboxes: every one for a mail administrator, the unit mailboxes of their units for a unit's.
export const listMailboxes = (query: PagedQuery & { kind?: MailboxKind }) =>
  http.get<AdminMailboxList>(`${BASE}/mailboxes`, { ...query });
export const openUnitMailbox = (body: UnitMailboxCreateRequest) =>
  http.post<AdminMailboxBody>(`${BASE}/mailboxes`, body);
export const setQuota = (id: number, quotaMb: number) =>
  http.patch<AdminMailboxBody>(`${BASE}/mailboxes/${id}`, { quotaMb });

// Who shares a unit mailbox.
export const listMembers = (mailboxId: number) =>
  http.get<MailboxMembersBody>(`${BASE}/mailboxes/${mailboxId}/members`);
export const addMember = (mailboxId: number, body: { userId: number; canSendAs?: boolean }) =>
  http.post<MailboxMemberBody>(`${BASE}/mailboxes/${mailboxId}/members`, body);
export const setSendAs = (mailboxId: number, userId: number, canSendAs: boolean) =>
  http.patch<MailboxMemberBody>(`${BASE}/mailboxes/${mailboxId}/members/${userId}`, { canSendAs });
export const removeMember = (mailboxId: number, userId: number) =>
  http.delete(`${BASE}/mailboxes/${mailboxId}/members/${userId}`);

// Aliases.
export const listAliases = (query: PagedQuery) => http.get<MailAliasList>(`${BASE}/aliases`, { ...query });
export const createAlias = (body: AliasCreateRequest) => http.post<MailAliasBody>(`${BASE}/aliases`, body);
export const retargetAlias = (id: number, target: string) =>
  http.patch<MailAliasBody>(`${BASE}/aliases/${id}`, { target });
export const removeAlias = (id: number) => http.delete(`${BASE}/aliases/${id}`);

// Distribution lists.
export const listLists = (query: PagedQuery) => http.get<MailListList>(`${BASE}/lists`, { ...query });
export const getList = (id: number) => http.get<MailListDetailBody>(`${BASE}/lists/${id}`);
export const createList = (body: ListCreateRequest) => http.post<MailListDetailBody>(`${BASE}/lists`, body);
export const updateList = (id: number, body: ListUpdateRequest) =>
  http.patch<MailListDetailBody>(`${BASE}/lists/${id}`, body);
export const removeList = (id: number) => http.delete(`${BASE}/lists/${id}`);
export const addListMember = (id: number, address: string) =>
  http.post<MailListDetailBody>(`${BASE}/lists/${id}/members`, { address });
export const removeListMember = (id: number, mailboxId: number) =>
  http.delete<MailListDetailBody>(`${BASE}/lists/${id}/members/${mailboxId}`);

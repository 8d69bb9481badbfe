import { Op, literal, type Sequelize, type Transaction, type WhereOptions } from "sequelize";
import type { Actor } from "../../core/actor.js";
import { likeSafe } from "../../core/db.js";
import { badRequest, conflict, notFound } from "../../core/errors.js";
import { Unit, User } from "../../org/models/index.js";
import {
  MailAlias,
  MailDomain,
  MailList,
  MailListMember,
  Mailbox,
  MailboxMember,
  type MailListKind,
  type MailListSenders,
  type MailboxKind,
} from "../models/index.js";
import { CITY_PREFIX, forgetLocalDomains, lookUpAddress, splitAddress, unitLocalPart } from "./addresses.js";
import { QUOTA_REARM } from "./delivery.js";

/**
 * Mail administration (issue 7): domains, quotas, who shares a unit mailbox,
 * aliases and distribution lists. Only what is stored here: the MX and the
 * submission port read aliases and lists when mail arrives (addresses.ts,
 * delivery.ts). Every function that writes takes the route's transaction, so
 * the change and its audit event commit together.
 */

export const MB = 1024 * 1024;

function database(): Sequelize {
  const sequelize = Mailbox.sequelize;
  if (!sequelize) throw new Error("models are not initialised");
  return sequelize;
}

// ---------------------------------------------------------------- scope

/** The units whose unit mailboxes the actor manages: "all" for a mail administrator, else by mail.unit.manage. */
export async function managedUnitIds(actor: Actor, transaction?: Transaction): Promise<"all" | number[]> {
  if (actor.can("mail.admin")) return "all";
  const scope = actor.scopeOf("mail.unit.manage");
  if (scope === "all") return "all";
  if (!scope.length) return [];
  const units = await Unit.findAll({
    where: { [Op.or]: scope.map((path) => ({ path: { [Op.like]: `${path}%` } })) },
    attributes: ["id"],
    transaction,
  });
  return units.map((u) => u.id);
}

/** Where the actor may open unit mailboxes: everywhere, or these units and those below them. */
export function unitsManagedBy(actor: Actor): "all" | { id: number; name: string }[] {
  if (actor.can("mail.admin") || actor.scopeOf("mail.unit.manage") === "all") return "all";
  return actor.grants.flatMap((g) =>
    g.unit && g.permissions.has("mail.unit.manage") ? [{ id: g.unit.id, name: g.unit.name }] : [],
  );
}

// ---------------------------------------------------------------- addresses

/** What already holds an address (or would, on its first mail): nothing is free to take it then. */
export type AddressHolder =
  | { kind: "mailbox"; mailbox: Mailbox }
  | { kind: "alias"; id: number }
  | { kind: "list"; id: number }
  | { kind: "user"; id: number }
  | { kind: "unit"; id: number };

const LOCAL_PART = /^[a-z0-9](?:[a-z0-9._+-]{0,62}[a-z0-9])?$/;

/** An address as stored: lower case, a plain local part, a domain this server receives mail for. */
export async function localAddress(address: string, transaction?: Transaction): Promise<string> {
  const parts = splitAddress(address);
  if (!parts || !LOCAL_PART.test(parts.local) || parts.local.includes("..")) {
    throw badRequest("mail_address_invalid", `${address} is not an address this server can give out`, { address });
  }
  // Locked inside a transaction: aliases and lists live in two tables, so only this row keeps two
  // administrators from giving one address to both at once (SQLite's writers queue anyway).
  const domain = await MailDomain.findOne({
    where: { name: parts.domain },
    attributes: ["id"],
    transaction,
    ...(transaction ? { lock: transaction.LOCK.UPDATE } : {}),
  });
  if (!domain) {
    throw badRequest("mail_domain_not_local", `${parts.domain} is not a domain of this server`, {
      domain: parts.domain,
    });
  }
  return `${parts.local}@${parts.domain}`;
}

/**
 * Who holds an address: a mailbox, an alias or a list at it, or the person or
 * unit it would be made for on its first mail (a username, or a unit code
 * without the city's prefix, on any local domain — lookUpAddress gives it to
 * them whatever the domain).
 */
export async function holderOf(address: string, transaction?: Transaction): Promise<AddressHolder | null> {
  const parts = splitAddress(address);
  if (!parts) return null;
  const mailbox = await Mailbox.findOne({ where: { address }, transaction });
  if (mailbox) return { kind: "mailbox", mailbox };
  const alias = await MailAlias.findOne({ where: { address }, attributes: ["id"], transaction });
  if (alias) return { kind: "alias", id: alias.id };
  const list = await MailList.findOne({ where: { address }, attributes: ["id"], transaction });
  if (list) return { kind: "list", id: list.id };
  // Disabled accounts too: enabling one again must not find its address given away.
  const user = await User.findOne({ where: { username: parts.local }, attributes: ["id"], transaction });
  if (user) return { kind: "user", id: user.id };
  const unit = await Unit.findOne({
    where: { code: { [Op.in]: [`${CITY_PREFIX}${parts.local}`, parts.local] } },
    attributes: ["id"],
    transaction,
  });
  if (unit) return { kind: "unit", id: unit.id };
  return null;
}

/** The 409 for an address that is taken, naming by what. */
function taken(address: string, holder: AddressHolder) {
  const details = { address };
  switch (holder.kind) {
    case "mailbox":
      return conflict("mail_address_is_mailbox", `${address} is the address of a mailbox`, details);
    case "alias":
      return conflict("mail_address_is_alias", `${address} is already an alias`, details);
    case "list":
      return conflict("mail_address_is_list", `${address} is the address of a list`, details);
    case "user":
      return conflict("mail_address_is_user", `${address} belongs to the person with that username`, details);
    case "unit":
      return conflict("mail_address_is_unit", `${address} belongs to the unit with that code`, details);
  }
}

/** A new alias's or list's address: local, and held by nothing else (`self` is the row being changed). */
export async function freeAddress(
  address: string,
  self: { alias?: number; list?: number },
  transaction: Transaction,
): Promise<string> {
  const normalised = await localAddress(address, transaction);
  const holder = await holderOf(normalised, transaction);
  if (!holder) return normalised;
  if (holder.kind === "alias" && holder.id === self.alias) return normalised;
  if (holder.kind === "list" && holder.id === self.list) return normalised;
  throw taken(normalised, holder);
}

/**
 * The mailbox behind an address that an alias or a list names, made on its
 * first use like the MX does (a person's or a unit's). Runs outside the
 * route's transaction: ensureMailbox commits on its own.
 */
export async function mailboxAt(address: string, quotaBytes: number): Promise<Mailbox> {
  const normalised = await localAddress(address);
  const found = await lookUpAddress(normalised, quotaBytes);
  if (found.kind === "mailbox") return found.mailbox;
  throw badRequest("mail_address_unknown", `Nobody receives mail at ${normalised}`, { address: normalised });
}

// ---------------------------------------------------------------- domains

export interface DomainUsage {
  mailboxes: number;
  aliases: number;
  lists: number;
}

/** What lives on each domain; domains are few, so three counts each. */
export async function domainUsage(names: readonly string[], transaction?: Transaction) {
  const usage = new Map<string, DomainUsage>();
  for (const name of names) {
    const where = { address: { [Op.like]: `%@${likeSafe(name)}` } };
    const [mailboxes, aliases, lists] = await Promise.all([
      Mailbox.count({ where, transaction }),
      MailAlias.count({ where, transaction }),
      MailList.count({ where, transaction }),
    ]);
    usage.set(name, { mailboxes, aliases, lists });
  }
  return usage;
}

export async function createDomain(name: string, transaction: Transaction): Promise<MailDomain> {
  const normalised = name.toLowerCase().replace(/\.$/, "");
  if (await MailDomain.findOne({ where: { name: normalised }, attributes: ["id"], transaction })) {
    throw conflict("mail_domain_exists", `${normalised} is already a mail domain`, { domain: normalised });
  }
  const created = await MailDomain.create({ name: normalised }, { transaction });
  // This instance knows at once; others within their cache's 10 s (addresses.ts isLocalDomain).
  transaction.afterCommit(forgetLocalDomains);
  return created;
}

/** Removes a domain nothing lives on; the configured ones come back at every start, so they stay. */
export async function removeDomain(
  domain: MailDomain,
  configured: readonly string[],
  transaction: Transaction,
): Promise<void> {
  if (configured.includes(domain.name)) {
    throw conflict("mail_domain_configured", `${domain.name} is named in MAIL_DOMAINS`, { domain: domain.name });
  }
  const usage = (await domainUsage([domain.name], transaction)).get(domain.name);
  if (usage && (usage.mailboxes || usage.aliases || usage.lists)) {
    throw conflict("mail_domain_in_use", `Mailboxes, aliases or lists still use ${domain.name}`, {
      domain: domain.name,
      ...usage,
    });
  }
  await domain.destroy({ transaction });
  transaction.afterCommit(forgetLocalDomains);
}

// ---------------------------------------------------------------- mailboxes

export interface MailboxSearch {
  q?: string;
  kind?: MailboxKind;
  /** The units whose unit mailboxes may be listed; "all" lists every mailbox, personal ones included. */
  unitIds: "all" | number[];
  page: number;
  pageSize: number;
}

/** One page of mailboxes, by address; `q` matches the address, the person (name, username, pinyin) or the unit. */
export async function searchMailboxes(search: MailboxSearch): Promise<{ rows: Mailbox[]; count: number }> {
  const and: WhereOptions<Mailbox>[] = [];
  if (search.unitIds !== "all") and.push({ kind: "unit", unitId: { [Op.in]: search.unitIds } });
  if (search.kind) and.push({ kind: search.kind });
  const q = search.q ? likeSafe(search.q.trim().toLowerCase()) : "";
  if (q) {
    const sequelize = database();
    const anywhere = sequelize.escape(`%${q}%`);
    const start = sequelize.escape(`${q}%`);
    // Subqueries, so the page costs one statement however many people match the name.
    and.push({
      [Op.or]: [
        { address: { [Op.like]: `%${q}%` } },
        {
          userId: {
            [Op.in]: literal(
              `(SELECT id FROM users WHERE displayName LIKE ${anywhere} OR username LIKE ${start} OR pinyin LIKE ${start})`,
            ),
          },
        },
        { unitId: { [Op.in]: literal(`(SELECT id FROM units WHERE name LIKE ${anywhere} OR code LIKE ${anywhere})`) } },
      ],
    });
  }
  return Mailbox.findAndCountAll({
    where: { [Op.and]: and },
    order: [
      ["address", "ASC"],
      ["id", "ASC"],
    ],
    limit: search.pageSize,
    offset: (search.page - 1) * search.pageSize,
  });
}

/** Whose the mailboxes are: their people and units, in two queries for a whole page. */
export interface Owners {
  users: Map<number, User>;
  units: Map<number, Unit>;
}

export async function ownersOf(mailboxes: readonly Mailbox[], transaction?: Transaction): Promise<Owners> {
  const userIds = [...new Set(mailboxes.flatMap((m) => (m.userId ? [m.userId] : [])))];
  const users = userIds.length
    ? await User.findAll({
        where: { id: userIds },
        attributes: ["id", "username", "displayName", "unitId", "disabled"],
        transaction,
      })
    : [];
  const unitIds = [
    ...new Set([...mailboxes.flatMap((m) => (m.unitId ? [m.unitId] : [])), ...users.map((u) => u.unitId)]),
  ];
  const units = unitIds.length
    ? await Unit.findAll({ where: { id: unitIds }, attributes: ["id", "name", "path", "code"], transaction })
    : [];
  return { users: new Map(users.map((u) => [u.id, u])), units: new Map(units.map((u) => [u.id, u])) };
}

/** How many people share each unit mailbox, in one query. */
export async function memberCounts(mailboxIds: readonly number[], transaction?: Transaction) {
  const counts = new Map<number, number>();
  if (!mailboxIds.length) return counts;
  const rows = await MailboxMember.count({ where: { mailboxId: [...mailboxIds] }, group: ["mailboxId"], transaction });
  for (const row of rows) counts.set(Number(row.mailboxId), Number(row.count));
  return counts;
}

export async function findMailboxOr404(id: number, transaction?: Transaction): Promise<Mailbox> {
  const mailbox = await Mailbox.findByPk(id, { transaction });
  if (!mailbox) throw notFound("Mailbox");
  return mailbox;
}

/** A unit mailbox and its unit; personal mailboxes have no members to manage (404). */
export async function findUnitMailboxOr404(id: number, transaction?: Transaction) {
  const mailbox = await Mailbox.findByPk(id, { transaction });
  const unit = mailbox?.kind === "unit" && mailbox.unitId ? await Unit.findByPk(mailbox.unitId, { transaction }) : null;
  if (!mailbox || !unit) throw notFound("Unit mailbox");
  return { mailbox, unit };
}

export async function setQuota(mailbox: Mailbox, quotaMb: number, transaction: Transaction): Promise<Mailbox> {
  mailbox.quotaBytes = quotaMb * MB;
  // A larger quota may bring the mailbox below the mark at which delivery re-arms its warning
  // (delivery.ts watchQuota): its holders are warned again when it fills up next time.
  if (mailbox.usedBytes < mailbox.quotaBytes * QUOTA_REARM) mailbox.quotaWarnedAt = null;
  return mailbox.save({ transaction });
}

/**
 * The address a unit's mailbox gets on a domain, checked before it is made
 * ahead of its first mail: the unit has none there yet, and the address is not
 * an alias's, a list's or a person's (a username equal to the unit's code wins
 * the address at delivery, lookUpAddress asks for people first).
 */
export async function unitMailboxAddress(unit: Unit, domain: string): Promise<string> {
  const address = await localAddress(`${unitLocalPart(unit.code)}@${domain}`);
  const holder = await holderOf(address);
  if (!holder || (holder.kind === "unit" && holder.id === unit.id)) return address;
  if (holder.kind === "mailbox" && holder.mailbox.kind === "unit" && holder.mailbox.unitId === unit.id) {
    throw conflict("mail_mailbox_exists", `${address} already exists`, { address });
  }
  throw taken(address, holder);
}

// ---------------------------------------------------------------- unit mailbox members

export async function membersOf(mailbox: Mailbox, transaction?: Transaction) {
  const members = await MailboxMember.findAll({
    where: { mailboxId: mailbox.id },
    order: [["id", "ASC"]],
    transaction,
  });
  const users = members.length
    ? await User.findAll({
        where: { id: members.map((m) => m.userId) },
        attributes: ["id", "username", "displayName", "unitId", "disabled"],
        include: [{ model: Unit, as: "unit", attributes: ["id", "name"] }],
        transaction,
      })
    : [];
  const byId = new Map(users.map((u) => [u.id, u]));
  return members.flatMap((member) => {
    const user = byId.get(member.userId);
    return user ? [{ member, user }] : [];
  });
}

export async function addMember(
  mailbox: Mailbox,
  props: { userId: number; canSendAs: boolean },
  transaction: Transaction,
): Promise<{ member: MailboxMember; user: User }> {
  const user = await User.findByPk(props.userId, {
    attributes: ["id", "username", "displayName", "unitId", "disabled"],
    include: [{ model: Unit, as: "unit", attributes: ["id", "name"] }],
    transaction,
  });
  if (!user) throw notFound("User");
  if (user.disabled) {
    throw conflict("mail_member_disabled", `${user.username}'s account is disabled`, { name: user.displayName });
  }
  const existing = await MailboxMember.findOne({ where: { mailboxId: mailbox.id, userId: user.id }, transaction });
  if (existing) {
    throw conflict("mail_member_exists", `${user.username} already shares ${mailbox.address}`, {
      name: user.displayName,
    });
  }
  const member = await MailboxMember.create(
    { mailboxId: mailbox.id, userId: user.id, canSendAs: props.canSendAs },
    { transaction },
  );
  return { member, user };
}

/** A member of a unit mailbox, with the person (and their unit) as the member list shows them. */
export async function findMemberOr404(mailbox: Mailbox, userId: number, transaction: Transaction) {
  const member = await MailboxMember.findOne({ where: { mailboxId: mailbox.id, userId }, transaction });
  const user = member
    ? await User.findByPk(userId, {
        attributes: ["id", "username", "displayName", "unitId", "disabled"],
        include: [{ model: Unit, as: "unit", attributes: ["id", "name"] }],
        transaction,
      })
    : null;
  if (!member || !user) throw notFound("Member");
  return { member, user };
}

// ---------------------------------------------------------------- aliases

export async function findAliasOr404(id: number, transaction?: Transaction): Promise<MailAlias> {
  const alias = await MailAlias.findByPk(id, { transaction });
  if (!alias) throw notFound("Alias");
  return alias;
}

/** One page of aliases by address; `q` matches the alias or its mailbox's address. */
export async function searchAliases(search: { q?: string; page: number; pageSize: number }) {
  const q = search.q ? likeSafe(search.q.trim().toLowerCase()) : "";
  const where = q
    ? {
        [Op.or]: [
          { address: { [Op.like]: `%${q}%` } },
          {
            mailboxId: {
              [Op.in]: literal(`(SELECT id FROM mailboxes WHERE address LIKE ${database().escape(`%${q}%`)})`),
            },
          },
        ],
      }
    : {};
  return MailAlias.findAndCountAll({
    where,
    order: [["address", "ASC"]],
    limit: search.pageSize,
    offset: (search.page - 1) * search.pageSize,
  });
}

/** The mailboxes aliases and lists name, with whose they are. */
export async function mailboxesById(ids: readonly number[], transaction?: Transaction) {
  const mailboxes = ids.length ? await Mailbox.findAll({ where: { id: [...new Set(ids)] }, transaction }) : [];
  return { mailboxes: new Map(mailboxes.map((m) => [m.id, m])), owners: await ownersOf(mailboxes, transaction) };
}

// ---------------------------------------------------------------- lists

export interface ListProps {
  name: string;
  kind: MailListKind;
  unitId: number | null;
  senders: MailListSenders;
}

/** A list's kind and unit together: the leaders of a unit need the unit; no other kind has one. */
async function listUnit(kind: MailListKind, unitId: number | null | undefined, transaction: Transaction) {
  if (kind !== "unit_leaders") return null;
  if (!unitId) throw badRequest("mail_list_unit_required", "A list of a unit's leaders needs the unit");
  const unit = await Unit.findByPk(unitId, { attributes: ["id"], transaction });
  if (!unit) throw notFound("Unit");
  return unit.id;
}

export async function findListOr404(id: number, transaction?: Transaction): Promise<MailList> {
  const list = await MailList.findByPk(id, { transaction });
  if (!list) throw notFound("List");
  return list;
}

export async function createList(
  props: ListProps & { address: string; members: readonly Mailbox[] },
  transaction: Transaction,
): Promise<MailList> {
  const address = await freeAddress(props.address, {}, transaction);
  const unitId = await listUnit(props.kind, props.unitId, transaction);
  if (props.members.length && props.kind !== "members") {
    throw badRequest("mail_list_not_static", "Only a list of named members has members to add");
  }
  const list = await MailList.create(
    { address, name: props.name, kind: props.kind, unitId, senders: props.senders },
    { transaction },
  );
  const ids = [...new Set(props.members.map((m) => m.id))];
  if (ids.length)
    await MailListMember.bulkCreate(
      ids.map((mailboxId) => ({ listId: list.id, mailboxId })),
      { transaction },
    );
  return list;
}

/** Changes a list; one that stops naming its members (another kind) drops them. Returns how many went. */
export async function updateList(
  list: MailList,
  changes: Partial<ListProps>,
  transaction: Transaction,
): Promise<{ list: MailList; droppedMembers: number }> {
  const kind = changes.kind ?? list.kind;
  const unitId = await listUnit(kind, changes.unitId === undefined ? list.unitId : changes.unitId, transaction);
  let droppedMembers = 0;
  if (kind !== "members" && list.kind === "members") {
    droppedMembers = await MailListMember.destroy({ where: { listId: list.id }, transaction });
  }
  Object.assign(list, {
    name: changes.name ?? list.name,
    senders: changes.senders ?? list.senders,
    kind,
    unitId,
  });
  await list.save({ transaction });
  return { list, droppedMembers };
}

export async function listMembersOf(listIds: readonly number[], transaction?: Transaction) {
  return listIds.length
    ? MailListMember.findAll({ where: { listId: [...listIds] }, order: [["id", "ASC"]], transaction })
    : [];
}

/** Named members per list, in one query. */
export async function listMemberCounts(listIds: readonly number[], transaction?: Transaction) {
  const counts = new Map<number, number>();
  if (!listIds.length) return counts;
  const rows = await MailListMember.count({ where: { listId: [...listIds] }, group: ["listId"], transaction });
  for (const row of rows) counts.set(Number(row.listId), Number(row.count));
  return counts;
}

export async function addListMember(list: MailList, mailbox: Mailbox, transaction: Transaction) {
  if (list.kind !== "members") {
    throw badRequest("mail_list_not_static", "Only a list of named members has members to add");
  }
  if (await MailListMember.findOne({ where: { listId: list.id, mailboxId: mailbox.id }, transaction })) {
    throw conflict("mail_list_member_exists", `${mailbox.address} is already on the list`, {
      address: mailbox.address,
    });
  }
  return MailListMember.create({ listId: list.id, mailboxId: mailbox.id }, { transaction });
}

export async function searchLists(search: { q?: string; page: number; pageSize: number }) {
  const q = search.q ? likeSafe(search.q.trim()) : "";
  const where = q
    ? { [Op.or]: [{ address: { [Op.like]: `%${q.toLowerCase()}%` } }, { name: { [Op.like]: `%${q}%` } }] }
    : {};
  return MailList.findAndCountAll({
    where,
    order: [["address", "ASC"]],
    limit: search.pageSize,
    offset: (search.page - 1) * search.pageSize,
  });
}

export async function unitsById(ids: readonly (number | null)[], transaction?: Transaction) {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
  const units = wanted.length
    ? await Unit.findAll({ where: { id: wanted }, attributes: ["id", "name"], transaction })
    : [];
  return new Map(units.map((u) => [u.id, u]));
}

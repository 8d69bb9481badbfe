import { Op } from "sequelize";
import { Department, Position, Role, RoleAssignment, Unit, User } from "../../org/models/index.js";
import type { AdminKind } from "../../org/permissions.js";
import type { AuditEvent } from "../models/auditEvent.js";
import { isRoutine, presentAuditEvent } from "../services/auditQuery.js";

/** One changed field: what it was and what it became (undefined before = not recorded at the time). */
export interface AuditChange {
  field: string;
  before?: unknown;
  after: unknown;
}

/** Names for the ids a page of events mentions, so the auditor reads "张伟 (zhangwei)", not "user #159". */
export interface AuditRefs {
  /** `adminKind`: the 三员 role the person holds now, so "安全管理员 刘涛海 (secadmin)" reads as who acted. */
  users: Record<string, { name: string; username: string; adminKind: AdminKind | null }>;
  units: Record<string, { name: string; code: string }>;
  departments: Record<string, { name: string; unitId: number }>;
  roles: Record<string, { name: string; code: string }>;
  positions: Record<string, { name: string }>;
}

type RefKind = keyof AuditRefs;

/** Where ids hide in event details, by key. */
const ID_FIELDS: Record<string, RefKind> = {
  userId: "users",
  unitId: "units",
  parentId: "units",
  departmentId: "departments",
  roleId: "roles",
  positionId: "positions",
};

const TARGET_KINDS: Record<string, RefKind> = {
  user: "users",
  unit: "units",
  department: "departments",
  role: "roles",
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The change list of an event. Writers record `{before, changes}`: `changes` is
 * the request's patch and `before` the old values (a whole record, or — for
 * role permissions — the old list). Fields whose value did not change are left out.
 */
export function changesOf(detail: unknown): AuditChange[] {
  if (!isRecord(detail) || !isRecord(detail.changes)) return [];
  const before = Array.isArray(detail.before)
    ? { permissions: detail.before }
    : isRecord(detail.before)
      ? detail.before
      : null;
  const out: AuditChange[] = [];
  for (const [field, after] of Object.entries(detail.changes)) {
    if (before && field in before) {
      const old = before[field];
      if (JSON.stringify(old) === JSON.stringify(after)) continue;
      out.push({ field, before: old ?? null, after });
    } else out.push({ field, after });
  }
  return out;
}

function collectIds(value: unknown, wanted: Record<RefKind, Set<number>>, depth = 0): void {
  if (depth > 3 || !isRecord(value)) return;
  for (const [key, v] of Object.entries(value)) {
    const kind = ID_FIELDS[key];
    if (kind && typeof v === "number") wanted[kind].add(v);
    else if (isRecord(v)) collectIds(v, wanted, depth + 1);
  }
}

/** One query per kind of record for the whole page. */
async function loadRefs(wanted: Record<RefKind, Set<number>>): Promise<AuditRefs> {
  const ids = (kind: RefKind) => ({ [Op.in]: [...wanted[kind]] });
  const [users, admins, units, departments, roles, positions] = await Promise.all([
    wanted.users.size
      ? User.findAll({ attributes: ["id", "username", "displayName"], where: { id: ids("users") } })
      : [],
    wanted.users.size
      ? RoleAssignment.findAll({
          attributes: ["userId"],
          where: { userId: ids("users") },
          include: [{ model: Role, as: "role", attributes: ["adminKind"], where: { adminKind: { [Op.ne]: null } } }],
        })
      : [],
    wanted.units.size ? Unit.findAll({ attributes: ["id", "name", "code"], where: { id: ids("units") } }) : [],
    wanted.departments.size
      ? Department.findAll({ attributes: ["id", "name", "unitId"], where: { id: ids("departments") } })
      : [],
    wanted.roles.size ? Role.findAll({ attributes: ["id", "name", "code"], where: { id: ids("roles") } }) : [],
    wanted.positions.size ? Position.findAll({ attributes: ["id", "name"], where: { id: ids("positions") } }) : [],
  ]);
  return {
    users: Object.fromEntries(
      users.map((u) => [
        u.id,
        {
          name: u.displayName,
          username: u.username,
          adminKind: admins.find((a) => a.userId === u.id)?.role?.adminKind ?? null,
        },
      ]),
    ),
    units: Object.fromEntries(units.map((u) => [u.id, { name: u.name, code: u.code }])),
    departments: Object.fromEntries(departments.map((d) => [d.id, { name: d.name, unitId: d.unitId }])),
    roles: Object.fromEntries(roles.map((r) => [r.id, { name: r.name, code: r.code }])),
    positions: Object.fromEntries(positions.map((p) => [p.id, { name: p.name }])),
  };
}

/**
 * A page of events for the auditor: each with its parsed detail, the list of
 * changed fields (before → after) and whether it is a routine page view; the
 * page carries `refs`, the names of every user, unit, department, role and
 * position its events mention (departments' units included), read in one query
 * per kind. Deleted records are simply absent from `refs`; the client then
 * falls back to what the event itself recorded.
 */
export async function presentAuditPage(events: AuditEvent[]) {
  const wanted: Record<RefKind, Set<number>> = {
    users: new Set(),
    units: new Set(),
    departments: new Set(),
    roles: new Set(),
    positions: new Set(),
  };
  const items = events.map((e) => {
    const base = presentAuditEvent(e);
    if (base.actorId !== null) wanted.users.add(base.actorId);
    const kind = base.targetType ? TARGET_KINDS[base.targetType] : undefined;
    const targetId = Number(base.targetId);
    if (kind && Number.isInteger(targetId) && targetId > 0) wanted[kind].add(targetId);
    collectIds(base.detail, wanted);
    return { ...base, routine: isRoutine(e), changes: changesOf(base.detail) };
  });
  const refs = await loadRefs(wanted);
  // A department is read as "unit / department": fetch units the page did not name.
  const missingUnits = Object.values(refs.departments)
    .map((d) => d.unitId)
    .filter((id) => !(id in refs.units));
  if (missingUnits.length) {
    const more = await loadRefs({
      users: new Set(),
      units: new Set(missingUnits),
      departments: new Set(),
      roles: new Set(),
      positions: new Set(),
    });
    Object.assign(refs.units, more.units);
  }
  return { items, refs };
}

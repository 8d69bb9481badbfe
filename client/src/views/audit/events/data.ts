import type { AuditChange, AuditEvent, AuditOutcome, AuditRefs } from "@/api/audit/events";
import { i18n, t } from "@/locales";
import { formatDateTime } from "@/utils/format";
import { roleLabel } from "@/utils/roles";

export const OUTCOMES: AuditOutcome[] = ["success", "failure", "denied"];

export const OUTCOME_TAG: Record<AuditOutcome, "success" | "warning" | "danger"> = {
  success: "success",
  failure: "warning",
  denied: "danger",
};

/** Message keys cannot hold dots: `role.assign` is found under `role_assign`. */
const keyOf = (action: string) => action.replace(/\./g, "_");

const has = (key: string) => i18n.global.te(key);

/** The action in words; an action this client does not know yet keeps its code. */
export function actionLabel(action: string): string {
  const key = `audit.actions.${keyOf(action)}`;
  return has(key) ? t(key) : action;
}

const EMPTY = "—";
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function person(refs: AuditRefs, id: unknown): string | null {
  const user = refs.users[String(id)];
  return user ? t("audit.person", { name: user.name, username: user.username }) : null;
}

function unitName(refs: AuditRefs, id: unknown): string | null {
  return refs.units[String(id)]?.name ?? null;
}

function departmentName(refs: AuditRefs, id: unknown): string | null {
  const department = refs.departments[String(id)];
  if (!department) return null;
  const unit = unitName(refs, department.unitId);
  return unit ? `${unit} / ${department.name}` : department.name;
}

function roleName(refs: AuditRefs, id: unknown): string | null {
  const role = refs.roles[String(id)];
  return role ? roleLabel(role) : null;
}

/** Text of an error or refusal code, as the rest of the UI words it. */
export function reasonText(reason: unknown): string {
  if (typeof reason !== "string" || !reason) return EMPTY;
  const key = `errors.${reason}`;
  return has(key) ? t(key) : reason;
}

const SETTINGS_NAMES: Record<string, string> = {
  "security.policy": "settings.policy.title",
  system: "settings.system.title",
};

const str = (value: unknown): string | null => (typeof value === "string" && value ? value : null);

/** Who acted: the person by name, else what the event recorded (a command-line user, an anonymous visitor). */
export function actorText(e: AuditEvent, refs: AuditRefs): string {
  const who = person(refs, e.actorId);
  if (!who) return e.actorName ?? t("audit.anonymous");
  // A 三员 acts in that capacity: "安全管理员 刘涛海（secadmin）".
  const kind = refs.users[String(e.actorId)]?.adminKind;
  return kind ? t("audit.adminPerson", { kind: t(`org.roles.adminKinds.${kind}`), person: who }) : who;
}

/** What the event is about, by name; records deleted since fall back to what the event itself noted. */
export function targetText(e: AuditEvent, refs: AuditRefs): string {
  const detail = e.detail ?? {};
  const id = e.targetId;
  switch (e.targetType) {
    case "user":
      return person(refs, id) ?? str(detail.username) ?? (id ? `#${id}` : EMPTY);
    case "unit":
      return unitName(refs, id) ?? str(detail.name) ?? `#${id}`;
    case "department":
      return departmentName(refs, id) ?? str(detail.name) ?? `#${id}`;
    case "role": {
      const name = roleName(refs, id);
      return name ?? str(detail.code) ?? `#${id}`;
    }
    case "settings": {
      const key = SETTINGS_NAMES[String(id)];
      return key ? t(key) : String(id ?? EMPTY);
    }
    case "archive_record": {
      // The title the record had when the event was written (a link names the older record's).
      const title = str(detail.olderTitle) ?? str(detail.title);
      return title ? `“${title}”` : `#${id}`;
    }
    default:
      return id === null ? (str(detail.username) ?? EMPTY) : String(id);
  }
}

/**
 * The event as a sentence in the reader's language, e.g. "安全管理员（secadmin）为
 * 张三（zhangsan）授予角色“工作人员”（范围：南宁市教育局）", with the reason
 * appended to a refusal or failure.
 */
export function sentence(e: AuditEvent, refs: AuditRefs): string {
  const detail = e.detail ?? {};
  let key = keyOf(e.action);
  // A failure or refusal with words of its own ("张三 登录失败") needs only the reason after it.
  const own = e.outcome !== "success" && has(`audit.sentences.${key}_${e.outcome}`);
  if (own) key = `${key}_${e.outcome}`;
  if (e.action === "authz.denied" && e.targetType === "user")
    key = detail.roleId ? "authz_denied_role" : "authz_denied_user";
  const params = {
    actor: actorText(e, refs),
    target: targetText(e, refs),
    role: roleName(refs, detail.roleId) ?? (detail.roleId ? `#${String(detail.roleId)}` : EMPTY),
    scope: unitName(refs, detail.unitId) ?? t("audit.global"),
    count: typeof detail.count === "number" ? detail.count : EMPTY,
    route: str(detail.route) ?? (e.targetType === "route" ? String(e.targetId) : EMPTY),
    status: typeof detail.status === "number" ? detail.status : EMPTY,
    action: actionLabel(e.action),
    kind:
      str(detail.kind) && has(`archive.linkVerb.${String(detail.kind)}`)
        ? t(`archive.linkVerb.${String(detail.kind)}`)
        : EMPTY,
    newer: str(detail.newerTitle) ?? EMPTY,
    files: typeof detail.files === "number" ? detail.files : EMPTY,
    created: typeof detail.created === "number" ? detail.created : EMPTY,
    updatedCount: typeof detail.updated === "number" ? detail.updated : EMPTY,
    failed: typeof detail.failed === "number" ? detail.failed : EMPTY,
    folder: str(detail.folder) ?? EMPTY,
    archiveCode: str(detail.archiveCode) ?? EMPTY,
    submittedBy: str(detail.submittedBy) ?? EMPTY,
    title: str(detail.title) ?? EMPTY,
    docNumber: str(detail.docNumber) ?? EMPTY,
    reason: str(detail.reason) ?? EMPTY,
    code: str(detail.code) ?? EMPTY,
    version: typeof detail.version === "number" ? detail.version : EMPTY,
  };
  const sentenceKey = `audit.sentences.${key}`;
  const text = has(sentenceKey) ? t(sentenceKey, params) : t("audit.sentences.generic", params);
  if (e.outcome === "success" || !detail.reason) return text;
  const reason = reasonText(detail.reason);
  if (own) return `${text} — ${reason}`;
  return `${text} — ${t(e.outcome === "denied" ? "audit.refused" : "audit.failed", { reason })}`;
}

/** A recorded value in words: ids as names, codes translated, lists joined. */
export function valueText(field: string, value: unknown, refs: AuditRefs): string {
  if (value === null || value === undefined || value === "") return EMPTY;
  const byId: Record<string, (refs: AuditRefs, id: unknown) => string | null> = {
    userId: person,
    unitId: unitName,
    parentId: unitName,
    departmentId: departmentName,
    roleId: roleName,
    positionId: (r, id) => r.positions[String(id)]?.name ?? null,
  };
  const resolve = byId[field];
  if (resolve) return resolve(refs, value) ?? `#${String(value)}`;
  if (field === "permissions" && Array.isArray(value)) {
    return value
      .map((code) => {
        const key = `org.permissions.${String(code).replace(/\./g, "_")}`;
        return has(key) ? t(key) : String(code);
      })
      .join("、");
  }
  if ((field === "roleCodes" || field === "defaultRoles") && Array.isArray(value))
    return value.map((code) => roleLabel({ code: String(code), name: String(code) })).join("、");
  if (field === "kind" && typeof value === "string" && has(`org.units.kinds.${value}`))
    return t(`org.units.kinds.${value}`);
  if (field === "reason") return reasonText(value);
  if (field === "adminKind" && typeof value === "string" && has(`org.roles.adminKinds.${value}`))
    return t(`org.roles.adminKinds.${value}`);
  if (typeof value === "boolean") return value ? t("common.yes") : t("common.no");
  if (typeof value === "string" && ISO_INSTANT.test(value)) return formatDateTime(value);
  if (Array.isArray(value)) return value.map(String).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function fieldLabel(field: string): string {
  const key = `audit.fields.${field}`;
  return has(key) ? t(key) : field;
}

/**
 * The changes to show as before → after. A role grant or revocation is a
 * change of the person's roles: nothing → the role (with its scope), or back.
 */
export function changeList(e: AuditEvent, refs: AuditRefs): AuditChange[] {
  if (e.changes.length) return e.changes;
  const detail = e.detail ?? {};
  if (e.outcome !== "success" || (e.action !== "role.assign" && e.action !== "role.unassign")) return [];
  const role = t("audit.roleWithScope", {
    role: roleName(refs, detail.roleId) ?? `#${String(detail.roleId)}`,
    scope: unitName(refs, detail.unitId) ?? t("audit.global"),
  });
  return e.action === "role.assign"
    ? [{ field: "role", before: null, after: role }]
    : [{ field: "role", before: role, after: null }];
}

/** Detail fields shown as labelled values; before/changes are shown as the change list instead. */
export function detailFields(e: AuditEvent): [string, unknown][] {
  const detail = e.detail ?? {};
  return Object.entries(detail).filter(([key]) => key !== "before" && key !== "changes");
}

/** The date of an instant in the auditors' time zone, for the date-range picker's default. */
export function shanghaiDate(date: Date): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(date);
}

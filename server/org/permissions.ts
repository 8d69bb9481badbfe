/**
 * The permission catalogue. Codes are checked by policies; categories keep the
 * three separated administrators (三员分立) apart: a role that belongs to one of
 * them may hold only permissions of that category, and no user may hold roles
 * of two of them.
 */
export const ADMIN_KINDS = ["system", "security", "audit"] as const;
export type AdminKind = (typeof ADMIN_KINDS)[number];
export type PermissionCategory = AdminKind | "business";

export const PERMISSIONS = {
  // System administrator: accounts, organisation, configuration.
  "org.unit.manage": "system",
  "org.user.read": "system",
  "org.user.manage": "system",
  "org.user.import": "system",
  "settings.manage": "system",
  // Security administrator: roles, permissions, security policy.
  "security.role.manage": "security",
  "security.role.assign": "security",
  "security.policy.manage": "security",
  // Audit administrator: reads and exports the audit log.
  "audit.read": "audit",
  "audit.export": "audit",
  // Business: the staff directory and the four modules.
  "org.directory.read": "business",
  "oa.use": "business",
  "mail.use": "business",
  "archive.use": "business",
  "library.use": "business",
  // Business powers over a module's content, given to its specialists (not 三员 powers).
  "archive.record.manage": "business",
  // OA: the unit registrar (文书) registers, numbers, distributes, signs for and archives documents;
  // leaders sign off (签发) and write 批示; supervisors see and urge overdue work (督办);
  // OA administrators edit process definitions and 机关代字 and may terminate a process.
  "oa.document.register": "business",
  "oa.document.sign": "business",
  "oa.supervise": "business",
  "oa.process.manage": "business",
  // Mail: mail administrators manage domains, every mailbox's quota, aliases and lists; a unit's mail
  // administrator (the role given for a unit) manages who shares its unit mailboxes. Neither reads mail.
  "mail.admin": "business",
  "mail.unit.manage": "business",
  // Library: librarians manage the catalogue (titles, files, imports), licences and loan rules.
  "library.manage": "business",
} as const satisfies Record<string, PermissionCategory>;

export type PermissionCode = keyof typeof PERMISSIONS;

export const PERMISSION_CODES = Object.keys(PERMISSIONS) as PermissionCode[];

export function isPermissionCode(code: string): code is PermissionCode {
  return Object.hasOwn(PERMISSIONS, code);
}

export function categoryOf(code: PermissionCode): PermissionCategory {
  return PERMISSIONS[code];
}

/** What every member of staff uses: the directory and the four modules. */
const BUSINESS: PermissionCode[] = ["org.directory.read", "oa.use", "mail.use", "archive.use", "library.use"];

/** Roles every installation has; created and kept in step at start-up. */
export const BUILTIN_ROLES: {
  code: string;
  name: string;
  adminKind: AdminKind | null;
  permissions: PermissionCode[];
}[] = [
  {
    code: "sysadmin",
    name: "系统管理员",
    adminKind: "system",
    permissions: PERMISSION_CODES.filter((c) => PERMISSIONS[c] === "system"),
  },
  {
    code: "secadmin",
    name: "安全管理员",
    adminKind: "security",
    permissions: PERMISSION_CODES.filter((c) => PERMISSIONS[c] === "security"),
  },
  {
    code: "auditor",
    name: "审计管理员",
    adminKind: "audit",
    permissions: PERMISSION_CODES.filter((c) => PERMISSIONS[c] === "audit"),
  },
  { code: "staff", name: "工作人员", adminKind: null, permissions: BUSINESS },
  { code: "leader", name: "单位领导", adminKind: null, permissions: [...BUSINESS, "oa.document.sign", "oa.supervise"] },
  { code: "registrar", name: "文书", adminKind: null, permissions: [...BUSINESS, "oa.document.register"] },
  { code: "oaadmin", name: "OA管理员", adminKind: null, permissions: [...BUSINESS, "oa.process.manage"] },
  { code: "archivist", name: "档案管理员", adminKind: null, permissions: [...BUSINESS, "archive.record.manage"] },
  { code: "mailadmin", name: "邮件管理员", adminKind: null, permissions: [...BUSINESS, "mail.admin"] },
  { code: "unitmailadmin", name: "单位邮件管理员", adminKind: null, permissions: [...BUSINESS, "mail.unit.manage"] },
  { code: "librarian", name: "图书管理员", adminKind: null, permissions: [...BUSINESS, "library.manage"] },
  // A member of the public who registered with the library (server/library): the library and nothing else.
  { code: "patron", name: "读者", adminKind: null, permissions: ["library.use"] },
];

import type { FormRules } from "element-plus";
import type { PermissionCategory } from "@/api/org/roles";
import { t } from "@/locales";

export const CATEGORY_ORDER: PermissionCategory[] = ["business", "system", "security", "audit"];

/** i18n key of a permission code ("org.user.read" → "org.permissions.org_user_read"). */
export function permissionKey(code: string): string {
  return `org.permissions.${code.replace(/\./g, "_")}`;
}

export interface RoleFormModel {
  code: string;
  name: string;
  description: string;
  permissions: string[];
}

export function roleRules(): FormRules {
  const required = (field: string) => ({ required: true, message: t("common.required", { field }), trigger: "blur" });
  return {
    code: [
      required(t("org.roles.code")),
      { pattern: /^[a-z][a-z0-9_]{1,31}$/, message: t("org.roles.codeRule"), trigger: "blur" },
    ],
    name: [required(t("org.roles.name"))],
  };
}

import type { FormRules } from "element-plus";
import type { UserSummary } from "@/api/types";
import type { UserStatus } from "@/api/org/users";
import { t } from "@/locales";

export const USER_STATUSES: UserStatus[] = ["active", "disabled", "locked"];

export function statusOf(user: UserSummary): UserStatus {
  if (user.disabled) return "disabled";
  if (user.locked) return "locked";
  return "active";
}

export const STATUS_TAG: Record<UserStatus, "success" | "info" | "danger"> = {
  active: "success",
  disabled: "info",
  locked: "danger",
};

export interface UserFormModel {
  username: string;
  displayName: string;
  unitId: number | null;
  departmentId: number | null;
  positionId: number | null;
  email: string;
  phone: string;
}

export function emptyUserForm(unitId: number | null, departmentId: number | null): UserFormModel {
  return { username: "", displayName: "", unitId, departmentId, positionId: null, email: "", phone: "" };
}

export function userRules(): FormRules {
  const required = (field: string) => ({ required: true, message: t("common.required", { field }), trigger: "blur" });
  return {
    username: [
      required(t("org.users.username")),
      { pattern: /^[a-z0-9._-]{3,32}$/, message: t("org.users.usernameRule"), trigger: "blur" },
    ],
    displayName: [required(t("org.users.displayName"))],
    unitId: [{ ...required(t("org.users.unit")), trigger: "change" }],
    email: [{ type: "email", message: t("org.users.email"), trigger: "blur" }],
  };
}

export const IMPORT_HEADER = "username,displayName,unitCode,department,position,email,phone";

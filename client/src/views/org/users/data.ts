import type { FormRules } from "element-plus";
import type { UserSummary } from "@/api/types";
import type { ImportRowError, UserStatus } from "@/api/org/users";
import { i18n, t } from "@/locales";

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

/** The server takes files up to 5 MB (sent base64 inside JSON). */
export const MAX_IMPORT_BYTES = 5_000_000;

/** A row problem in the reader's language; the server's English text only for a code we have no words for. */
export function importErrorText(error: ImportRowError): string {
  const key = `org.import.codes.${error.code}`;
  if (!i18n.global.te(key)) return error.message;
  const column = error.column ? t(`org.import.columns.${error.column}`) : "";
  return t(key, { ...error.params, column });
}

/** A file's raw bytes as base64, so the server can detect the encoding itself. */
export function readFileBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = typeof reader.result === "string" ? reader.result : "";
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error("cannot read the file"));
    reader.readAsDataURL(file);
  });
}

import { ElMessage } from "element-plus";
import { ApiError } from "@/api/request";
import { i18n, t } from "@/locales";

/** The translated text for an API error: `errors.<code>` when we have one, else the server's message. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const key = `errors.${error.code}`;
    // Details that name the thing at fault ({name}, {reason}) fill the translated text's placeholders.
    const named = typeof error.details === "object" && error.details !== null && !Array.isArray(error.details);
    if (i18n.global.te(key)) return named ? t(key, error.details as Record<string, unknown>) : t(key);
    return error.message;
  }
  if (error instanceof TypeError) return t("errors.network_error");
  if (error instanceof Error) return error.message;
  return t("errors.http_error");
}

/** Errors the request client already acted on (redirects); showing a toast as well would be noise. */
function handledGlobally(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  return error.status === 401 || error.code === "password_change_required";
}

export function showError(error: unknown): void {
  if (handledGlobally(error)) return;
  ElMessage.error(errorMessage(error));
}

/** 400 codes whose details name the fields at fault. */
const FIELD_ERROR_CODES = new Set(["validation_failed", "control_characters", "invisible_characters"]);

/** Field paths from a 400 validation error, so forms can mark the fields. */
export function validationDetails(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || !FIELD_ERROR_CODES.has(error.code) || !Array.isArray(error.details)) return {};
  const out: Record<string, string> = {};
  for (const item of error.details as unknown[]) {
    if (typeof item !== "object" || item === null) continue;
    const { path, message } = item as { path?: unknown; message?: unknown };
    if (typeof path === "string" && typeof message === "string") out[path] = message;
  }
  return out;
}

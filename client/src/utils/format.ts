import { i18n } from "@/locales";

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(i18n.global.locale.value, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

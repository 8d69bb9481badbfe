import { i18n, t } from "@/locales";

/**
 * The name of a role in the UI language. Built-in roles (三员 and the business
 * roles every installation has) are named by their code, so they read right in
 * every locale; custom roles keep the name the security administrator gave them.
 */
export function roleLabel(role: { code: string; name: string }): string {
  const key = `org.roleNames.${role.code}`;
  return i18n.global.te(key) ? t(key) : role.name;
}

import { createI18n } from "vue-i18n";
import type zhCN from "./zh-CN";
import zhCNAuth from "./zh-CN/auth";
import zhCNCommon from "./zh-CN/common";

export const SUPPORTED_LOCALES = ["zh-CN", "zh-TW", "en"] as const;
export type AppLocale = (typeof SUPPORTED_LOCALES)[number];
export type MessageSchema = typeof zhCN;

/** Names shown in the language switcher, each in its own language. */
export const LOCALE_LABELS: Record<AppLocale, string> = { "zh-CN": "简体中文", "zh-TW": "繁體中文", en: "English" };

export const LOCALE_STORAGE_KEY = "yo.locale";

export function isAppLocale(value: unknown): value is AppLocale {
  return typeof value === "string" && (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

function initialLocale(): AppLocale {
  try {
    const saved = localStorage.getItem(LOCALE_STORAGE_KEY);
    if (isAppLocale(saved)) return saved;
  } catch {
    // Storage can be blocked (private mode, policy); the default locale is fine then.
  }
  return "zh-CN";
}

// The first load carries only what the sign-in pages say in Simplified Chinese (common, auth):
// every module adds its own texts, and in three languages. A language's full set is fetched
// once, before a signed-in page shows (see main.ts) or before switching to that language.
const messages = { "zh-CN": { ...zhCNCommon, ...zhCNAuth } } as Record<AppLocale, MessageSchema>;
const loaders: Record<AppLocale, () => Promise<{ default: MessageSchema }>> = {
  "zh-CN": () => import("./zh-CN"),
  "zh-TW": () => import("./zh-TW"),
  en: () => import("./en"),
};
const complete = new Set<AppLocale>();

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: "zh-CN",
  messages,
  missingWarn: import.meta.env.DEV,
  fallbackWarn: false,
});

export const t = i18n.global.t;

/** Fetches all of a language's messages once; call it before showing that language's pages. */
export async function loadLocaleMessages(locale: AppLocale): Promise<void> {
  if (complete.has(locale)) return;
  const { default: loaded } = await loaders[locale]();
  i18n.global.setLocaleMessage(locale, loaded);
  complete.add(locale);
}

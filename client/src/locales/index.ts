import { createI18n } from "vue-i18n";
import en from "./en";
import zhCN from "./zh-CN";
import zhTW from "./zh-TW";

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

const messages: Record<AppLocale, MessageSchema> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: "zh-CN",
  messages,
  missingWarn: import.meta.env.DEV,
  fallbackWarn: false,
});

export const t = i18n.global.t;

import { createI18n } from "vue-i18n";
import zhCN from "./zh-CN";

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

// Only the default language ships with the first load; the others are fetched when chosen.
const messages = { "zh-CN": zhCN } as Record<AppLocale, MessageSchema>;
const loaders: Record<Exclude<AppLocale, "zh-CN">, () => Promise<{ default: MessageSchema }>> = {
  "zh-TW": () => import("./zh-TW"),
  en: () => import("./en"),
};

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: "zh-CN",
  messages,
  missingWarn: import.meta.env.DEV,
  fallbackWarn: false,
});

export const t = i18n.global.t;

/** Fetches a language's messages once; call it before switching to that language. */
export async function loadLocaleMessages(locale: AppLocale): Promise<void> {
  if (locale === "zh-CN" || i18n.global.availableLocales.includes(locale)) return;
  const { default: loaded } = await loaders[locale]();
  i18n.global.setLocaleMessage(locale, loaded);
}

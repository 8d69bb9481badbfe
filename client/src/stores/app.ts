import { defineStore } from "pinia";
import { ref, watch } from "vue";
import { i18n, isAppLocale, loadLocaleMessages, LOCALE_STORAGE_KEY, type AppLocale } from "@/locales";

const SIDEBAR_KEY = "yo.sidebarCollapsed";

function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Not persisting is acceptable; the choice still applies to this tab.
  }
}

export const useAppStore = defineStore("app", () => {
  const current = i18n.global.locale.value;
  const locale = ref<AppLocale>(isAppLocale(current) ? current : "zh-CN");
  const sidebarCollapsed = ref(readStorage(SIDEBAR_KEY) === "1");

  /** Switches once the language's messages are loaded, so no text flashes in the fallback language. */
  async function setLocale(next: AppLocale): Promise<void> {
    await loadLocaleMessages(next);
    locale.value = next;
  }

  function toggleSidebar(): void {
    sidebarCollapsed.value = !sidebarCollapsed.value;
  }

  watch(
    locale,
    (value) => {
      i18n.global.locale.value = value;
      document.documentElement.lang = value;
      writeStorage(LOCALE_STORAGE_KEY, value);
    },
    { immediate: true },
  );

  watch(sidebarCollapsed, (value) => writeStorage(SIDEBAR_KEY, value ? "1" : "0"));

  return { locale, sidebarCollapsed, setLocale, toggleSidebar };
});

import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { getSite } from "@/api/settings/settings";
import { t } from "@/locales";

/** The server's default site name; shown as the product name in the UI language while unchanged. */
export const DEFAULT_SITE_NAME = "邕政通";

/** The site name the system administrator set: login page, sidebar and document title. */
export const useSiteStore = defineStore("site", () => {
  const stored = ref<string | null>(null);
  const custom = computed(() => (stored.value && stored.value !== DEFAULT_SITE_NAME ? stored.value : null));
  const name = computed(() => custom.value ?? t("common.appName"));
  const fullName = computed(() => custom.value ?? t("common.appFullName"));

  async function load(): Promise<void> {
    try {
      stored.value = (await getSite()).siteName;
    } catch {
      // Unreachable server: the built-in name is a fine stand-in until the next load.
    }
  }

  function set(siteName: string): void {
    stored.value = siteName;
  }

  return { name, fullName, load, set };
});

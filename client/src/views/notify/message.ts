import { onBeforeUnmount, ref } from "vue";
import { useI18n } from "vue-i18n";
import type { NotificationItem } from "@/api/notify/notifications";
import { formatDateTime } from "@/utils/format";
import { relativeTime } from "@/utils/relative-time";

/** Moments in params arrive as ISO instants in UTC (server/notify/kinds.ts); people read them as local times. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

/** The message of a kind: notify.kinds.<kind with its dots as underscores> (vue-i18n reads dots as nesting). */
export function messageKey(kind: string): string {
  return `notify.kinds.${kind.replaceAll(".", "_")}`;
}

/** Renders a notification's message in the reader's language from its kind and params. */
export function useNotificationText(): (item: NotificationItem) => string {
  const { t, te } = useI18n();
  return (item) => {
    const key = messageKey(item.kind);
    // A kind this build has no words for (a newer server): say so rather than show a key.
    if (!te(key)) return t("notify.unknown");
    const named: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(item.params)) {
      named[name] = typeof value === "string" && ISO_INSTANT.test(value) ? formatDateTime(value) : value;
    }
    // Supervisors are told whose task is overdue; the assignee is not told their own name.
    if (item.kind === "oa.task.overdue") {
      const assignee = item.params.assigneeName;
      named.assigneeName = assignee ? t("notify.parts.assignee", { name: assignee }) : "";
    }
    return t(key, named);
  };
}

/** "3 分钟前" for a time, kept current while the component lives (it ticks every minute). */
export function useRelativeTime(): { ago: (iso: string) => string; exact: (iso: string) => string } {
  const { locale, t } = useI18n();
  const now = ref(Date.now());
  const tick = setInterval(() => (now.value = Date.now()), 60_000);
  onBeforeUnmount(() => clearInterval(tick));
  return {
    ago: (iso) => relativeTime(iso, locale.value, { now: now.value, justNow: t("notify.justNow") }),
    exact: (iso) => formatDateTime(iso),
  };
}

import { defineStore } from "pinia";
import { ref } from "vue";
import { getUnreadSummary, type UnreadSummary } from "@/api/notify/notifications";
import { ApiError } from "@/api/request";

/** How often an open tab asks for the unread count (and on every page change). */
export const POLL_MS = 60_000;

/**
 * The unread figures the bell shows, kept in one place so that marking read
 * in the list or the dropdown updates the bell at once. Polls while started
 * (the layout starts it for a signed-in person and stops it at sign-out);
 * a hidden tab skips its polls and asks again when it is shown.
 */
export const useNotificationStore = defineStore("notifications", () => {
  const unreadCount = ref(0);
  const latestId = ref<number | null>(null);
  let timer: ReturnType<typeof setInterval> | null = null;
  let pending: Promise<void> | null = null;

  function apply(summary: UnreadSummary): void {
    unreadCount.value = summary.unreadCount;
    latestId.value = summary.latestId;
  }

  /** Asks the server now; concurrent asks share one request. */
  function refresh(): Promise<void> {
    if (!timer) return Promise.resolve();
    pending ??= getUnreadSummary()
      .then(apply)
      .catch((error: unknown) => {
        // Signed out meanwhile (the request client sends the person to the sign-in page): stop asking.
        if (error instanceof ApiError && error.status === 401) stop();
        // Anything else (a network blip) is tried again at the next poll: a bell is no reason for a message.
      })
      .finally(() => {
        pending = null;
      });
    return pending;
  }

  function onVisibility(): void {
    if (document.visibilityState === "visible") void refresh();
  }

  function start(): void {
    if (timer) return;
    timer = setInterval(() => {
      if (document.visibilityState === "visible") void refresh();
    }, POLL_MS);
    document.addEventListener("visibilitychange", onVisibility);
    void refresh();
  }

  function stop(): void {
    if (timer) clearInterval(timer);
    timer = null;
    document.removeEventListener("visibilitychange", onVisibility);
    apply({ unreadCount: 0, latestId: null });
  }

  return { unreadCount, latestId, apply, refresh, start, stop };
});

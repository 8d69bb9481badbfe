import { defineStore } from "pinia";
import { ref } from "vue";
import { getInboxCounts, type InboxBox } from "@/api/oa/inbox";
import { ApiError } from "@/api/request";

/** The OA lists the menu shows a count beside. */
export type CountedBox = Exclude<InboxBox, "done">;
const COUNTED: readonly string[] = ["todo", "toRead", "drafts", "overdue"] satisfies CountedBox[];
const isCounted = (box: string): box is CountedBox => COUNTED.includes(box);

/**
 * The OA menu's badges: the totals of 待办, 待阅, 我的草稿 and 督办 as the server
 * counts them (the same statements as the lists, so a badge equals its list's
 * total). Asked again on every page change, when a notification arrives and
 * after every action; a list that loads writes its own total, so the badge
 * beside an open list is the figure the list shows.
 */
export const useOaCountsStore = defineStore("oa-counts", () => {
  const counts = ref<Record<CountedBox, number>>({ todo: 0, toRead: 0, drafts: 0, overdue: 0 });
  const supervise = ref(false);
  let pending: Promise<void> | null = null;
  let again = false;

  /** Asks the server now; a refresh asked for while one runs runs once more after it (it may have missed a change). */
  function refresh(): Promise<void> {
    if (pending) {
      again = true;
      return pending;
    }
    pending = getInboxCounts()
      .then((result) => {
        counts.value = { todo: result.todo, toRead: result.toRead, drafts: result.drafts, overdue: result.overdue };
        supervise.value = result.abilities.supervise;
      })
      .catch((error: unknown) => {
        // Signed out, or no OA: no badges. A network blip is tried again at the next page change.
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) clear();
      })
      .finally(() => {
        pending = null;
        if (again) {
          again = false;
          void refresh();
        }
      });
    return pending;
  }

  /** A list's own total, so the badge beside it never disagrees with what it shows. */
  function setTotal(box: InboxBox, total: number): void {
    if (isCounted(box)) counts.value = { ...counts.value, [box]: total };
  }

  function of(box: string): number {
    return isCounted(box) ? counts.value[box] : 0;
  }

  function clear(): void {
    counts.value = { todo: 0, toRead: 0, drafts: 0, overdue: 0 };
    supervise.value = false;
  }

  return { counts, supervise, refresh, setTotal, of, clear };
});

import { onBeforeUnmount, ref, type Ref } from "vue";

/** Phones and narrow windows: below this width the menu becomes a drawer and lists show one column. */
export const NARROW_QUERY = "(max-width: 768px)";

/** True while the window is narrow; follows rotation and resizing. */
export function useNarrow(): Ref<boolean> {
  const media = window.matchMedia(NARROW_QUERY);
  const narrow = ref(media.matches);
  const onChange = (e: MediaQueryListEvent) => (narrow.value = e.matches);
  media.addEventListener("change", onChange);
  onBeforeUnmount(() => media.removeEventListener("change", onChange));
  return narrow;
}

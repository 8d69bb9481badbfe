/**
 * "3 分钟前", "昨天", "2 days ago": how long ago something happened, in the
 * reader's language (Intl.RelativeTimeFormat, no library). A week or more ago
 * reads as a date instead, which says more than "5 weeks ago".
 */
const STEPS: [limitSeconds: number, unit: Intl.RelativeTimeFormatUnit, seconds: number][] = [
  [60, "second", 1],
  [3600, "minute", 60],
  [86_400, "hour", 3600],
  [7 * 86_400, "day", 86_400],
];

export function relativeTime(
  iso: string,
  locale: string,
  options: {
    now?: number;
    /** Instead of Intl's "现在"/"now" (刚刚 reads better in Chinese). */ justNow?: string;
  } = {},
): string {
  const now = options.now ?? Date.now();
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return iso;
  // A clock a little ahead of the browser's is still "just now", not "in 3 seconds".
  const ago = Math.max(0, Math.round((now - at) / 1000));
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  if (ago < 45) return options.justNow ?? format.format(0, "second");
  for (const [limit, unit, seconds] of STEPS) {
    if (ago < limit) return format.format(-Math.max(1, Math.round(ago / seconds)), unit);
  }
  const sameYear = new Date(at).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(locale, {
    year: sameYear ? undefined : "numeric",
    month: "short",
    day: "numeric",
  }).format(at);
}

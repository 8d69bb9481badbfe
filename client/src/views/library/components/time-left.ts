import { t } from "@/locales";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** "还剩 3 天 4 小时" for what is left of a loan; under an hour, "不到 1 小时"; over, "已到期". */
export function timeLeft(ms: number): string {
  if (ms <= 0) return t("library.lending.timeLeft.over");
  if (ms < HOUR) return t("library.lending.timeLeft.underHour");
  const days = Math.floor(ms / DAY);
  const hours = Math.floor((ms % DAY) / HOUR);
  if (days === 0) return t("library.lending.timeLeft.hours", { hours });
  return t("library.lending.timeLeft.days", { days, hours });
}

/** The reader's address for a title (views/library/reader). */
export const readerPath = (titleId: number) => `/library/read/${titleId}`;

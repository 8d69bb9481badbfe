import type { CalendarDate } from "./types.js";

/** Year, month and day of a calendar date; a Date is read in China Standard Time, where 公文 are dated. */
export function calendarParts(date: CalendarDate): { year: number; month: number; day: number } {
  if (typeof date === "string") {
    const plain = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
    if (plain) return { year: Number(plain[1]), month: Number(plain[2]), day: Number(plain[3]) };
    const parsed = new Date(date);
    if (Number.isNaN(parsed.getTime())) throw new RangeError(`Not an ISO 8601 date: ${date}`);
    return calendarParts(parsed);
  }
  if (Number.isNaN(date.getTime())) throw new RangeError("Invalid Date");
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "numeric",
    day: "numeric",
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return { year: part("year"), month: part("month"), day: part("day") };
}

/**
 * 成文日期 and 印发日期 as GB/T 9704-2012 7.3.5.4 writes them: Arabic numerals,
 * the year in full, month and day without leading zeros (2006年3月7日).
 */
export function chineseDate(date: CalendarDate): string {
  const { year, month, day } = calendarParts(date);
  return `${year}年${month}月${day}日`;
}

/** Where a date is still to be filled in (a draft): the blank form 公文 drafts carry. */
export const BLANK_DATE = "　　年　月　日";

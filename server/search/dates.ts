/**
 * Dates as both backends read them: YYYY-MM-DD (anything after the day is
 * ignored) when it names a real calendar day, else nothing. A document with
 * another date is undated, and a query bound that is not one is no bound, in
 * the embedded index as in Elasticsearch (which refuses a range over an
 * impossible date rather than ignoring it).
 */
export function calendarDate(date: string | null | undefined): string | null {
  const match = date ? /^(\d{4})-(\d{2})-(\d{2})/.exec(date) : null;
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const parsed = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  parsed.setUTCFullYear(year, month - 1, day);
  if (year < 1 || parsed.getUTCFullYear() !== year || parsed.getUTCMonth() !== month - 1 || parsed.getUTCDate() !== day)
    return null;
  return `${match[1]}-${match[2]}-${match[3]}`;
}

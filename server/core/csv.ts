import type { Options } from "csv-stringify";

/**
 * A cell that starts with = + - @ tab or CR is a formula to Excel, LibreOffice
 * and Google Sheets (CSV injection: `=cmd|' /C calc'!A0` in a user name runs
 * on the auditor's desktop). OWASP's remedy: prefix it with an apostrophe,
 * the spreadsheet's own "this is text" marker, which it does not display.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One text cell made safe to open in a spreadsheet; quoting is left to the CSV writer. */
export function escapeCsvCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * csv-stringify's `cast` option that escapes every text cell, header included:
 * `stringify(rows, { ...csvSafeOptions, columns })`. Numbers, dates and booleans
 * are written by the library and cannot start a formula.
 */
export const csvSafeOptions = {
  cast: { string: (value: string) => escapeCsvCell(value) },
} satisfies Options;

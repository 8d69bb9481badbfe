/**
 * CSV the browser builds for download (import reports). A cell that starts
 * with = + - @ tab or CR would run as a formula in Excel (CSV injection); it
 * gets a leading apostrophe, Excel's "this is text" marker, which Excel does
 * not show.
 */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLines(rows: (string | number | null | undefined)[][]): string {
  return rows.map((cells) => cells.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

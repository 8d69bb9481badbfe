/**
 * Prints a benchmark's table: the first column left-aligned, the figures
 * right-aligned, widths counted in characters (not UTF-16 units); `rule`
 * draws a line under the header.
 */
export function printColumns(
  header: readonly string[],
  lines: readonly string[][],
  options: { rule?: boolean } = {},
): void {
  const width = (text: string | undefined) => [...(text ?? "")].length;
  const widths = header.map((h, i) => Math.max(width(h), ...lines.map((l) => width(l[i]))));
  const pad = (cells: readonly string[]) =>
    cells
      .map((c, i) => {
        const fill = " ".repeat(Math.max(0, (widths[i] ?? 0) - width(c)));
        return i === 0 ? c + fill : fill + c;
      })
      .join("  ");
  console.log(pad(header));
  if (options.rule) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const line of lines) console.log(pad(line));
}

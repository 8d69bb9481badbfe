/**
 * Control characters other than tab and line feed (C0, DEL, C1), the byte-order
 * mark and zero-width spaces: PDF text layers carry them as blank glyphs (史記
 * maps its padding glyph to U+0001) and they would split words for the index.
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\uFEFF]/g;

/**
 * Text as people search it. NFKC folds what looks the same to a reader into one
 * code point: Kangxi radicals (⼈ U+2F08, which the books' text layers use for 人)
 * become the ideographs, full-width Latin and digits become ASCII. Line endings
 * become \n, invisible characters go, trailing spaces go, and blank lines are
 * kept to one between paragraphs.
 */
export function normaliseText(text: string): string {
  return text
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, "\n")
    .replace(INVISIBLE, "")
    .normalize("NFKC")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .replace(/^\n+|\n+$/g, "");
}

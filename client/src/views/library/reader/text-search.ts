/**
 * Search within a book's text layer. Both the text and the query are
 * normalised with NFKC, so a query typed with ordinary characters finds text
 * whose layer uses compatibility code points: 人 finds ⼈ (U+2F08, a Kangxi
 * radical) in the 史記, ＡＢＣ finds ABC. Whitespace is left out on both sides
 * (a phrase may break across lines or text items), and case is ignored.
 */

/** One hit on a page: the text items it covers (their indexes among the items with text), and its context. */
export interface TextHit {
  page: number;
  items: number[];
  excerpt: string;
}

/** The searchable form of a text: NFKC, lower case, without whitespace. */
export function searchForm(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/gu, "");
}

const CONTEXT = 12;
/** Hits kept per page; a query of one common character would otherwise list a page thousands of times. */
const MAX_PER_PAGE = 50;

/**
 * The hits of `query` in one page, given the strings of its text items in
 * order (pdf.js getTextContent items that have `str`, which is also the order
 * of the text layer's spans).
 */
export function findInPage(page: number, items: readonly string[], query: string): TextHit[] {
  const needle = searchForm(query);
  if (!needle) return [];
  // Each character of the searchable text remembers the item it came from.
  const chars: string[] = [];
  const owner: number[] = [];
  items.forEach((str, index) => {
    for (const ch of searchForm(str)) {
      chars.push(ch);
      owner.push(index);
    }
  });
  const hay = chars.join("");
  // Offsets in `hay` (UTF-16) back to positions in `chars` (code points).
  const positionAt: number[] = [];
  chars.forEach((ch, i) => {
    for (let k = 0; k < ch.length; k += 1) positionAt.push(i);
  });
  const hits: TextHit[] = [];
  for (let at = hay.indexOf(needle); at >= 0 && hits.length < MAX_PER_PAGE; at = hay.indexOf(needle, at + 1)) {
    const first = positionAt[at]!;
    const last = positionAt[at + needle.length - 1]!;
    const covered = new Set<number>();
    for (let i = first; i <= last; i += 1) covered.add(owner[i]!);
    hits.push({
      page,
      items: [...covered],
      excerpt: chars.slice(Math.max(0, first - CONTEXT), last + 1 + CONTEXT).join(""),
    });
  }
  return hits;
}

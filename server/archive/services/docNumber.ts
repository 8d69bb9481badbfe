/**
 * 文号: 机关代字 + year in brackets + serial number + 号 (国发〔1985〕12号). People
 * type the brackets as 〔〕, [], (), （）, 【】 or ［］, digits full-width, and
 * sometimes 第N号; the archive keeps and looks up the canonical 〔〕 form. The
 * importer finds 文号 in text with the same pattern (archive-importer/metadata.ts).
 */
const OPEN = "〔\\[(【";
const CLOSE = "〕\\])】";
const SOURCE = `(\\p{Script=Han}{1,8})\\s*[${OPEN}]\\s*((?:19|20)\\d{2})\\s*[${CLOSE}]\\s*第?\\s*(\\d{1,5})\\s*号`;

/**
 * A fresh global pattern for 文号 in NFKC text (（）［］ are already ()[]): groups are
 * the Han run before the bracket, the year and the number. Fresh each time, so
 * no caller inherits another's lastIndex.
 */
export const docNumberPattern = () => new RegExp(SOURCE, "gu");

/** Words that end the sentence before a 文号 rather than belong to its 机关代字 (…以法发〔1993〕15号…). */
const BEFORE_CODE = /.*[以据按照依见的与和及将对即、，。；：“”《》〈〉]/u;

/** The 机关代字 of a match: the tail of the Han characters before the bracket, without the sentence before it. */
export function agencyCode(run: string): string {
  const code = run.replace(BEFORE_CODE, "");
  return code.length > 6 ? code.slice(-6) : code;
}

/** A 文号 in its canonical form, 机关代字〔year〕number号, whatever was typed; null when the text is not one. */
export function canonicalDocNumber(input: string): string | null {
  const text = input.normalize("NFKC").trim();
  const m = docNumberPattern().exec(text);
  if (!m || m.index !== 0 || m[0].length !== text.length) return null;
  const [, run = "", year, number] = m;
  if (agencyCode(run) !== run) return null;
  return `${run}〔${year}〕${Number(number)}号`;
}

/**
 * 文号: 机关代字 + year in brackets + serial number + 号 (国发〔1985〕12号). People
 * type the brackets as 〔〕, [], (), （）, 【】 or ［］; the archive keeps and
 * looks up the canonical 〔〕 form.
 */
const DOC_NUMBER =
  /^\s*([\u4e00-\u9fffA-Za-z]{1,16})\s*[〔[(（【［]\s*((?:19|20)\d{2})\s*[〕\])）】］]\s*(\d{1,5})\s*号\s*$/u;

/** The canonical form of a 文号 as typed, or null when the text is not one. */
export function canonicalDocNumber(input: string): string | null {
  const m = DOC_NUMBER.exec(input.normalize("NFKC"));
  if (!m) return null;
  const [, prefix, year, serial] = m;
  return `${prefix}〔${year}〕${Number(serial)}号`;
}

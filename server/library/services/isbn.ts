/**
 * ISBNs as catalogues take them: ISBN-10 or ISBN-13, with or without hyphens
 * and spaces, checked by their check digit and kept as ISBN-13 (the form
 * every ISBN has had since 2007, so one title never has two keys).
 */

export type IsbnResult = { ok: true; isbn13: string } | { ok: false; reason: "format" | "check_digit" };

/** The ISBN-10 check character of nine digits: weights 10 down to 2, mod 11, "X" for 10. */
function isbn10Check(nine: string): string {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(nine[i]) * (10 - i);
  const check = (11 - (sum % 11)) % 11;
  return check === 10 ? "X" : String(check);
}

/** The ISBN-13 (EAN-13) check digit of twelve digits: weights 1 and 3 alternating, mod 10. */
function isbn13Check(twelve: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(twelve[i]) * (i % 2 === 0 ? 1 : 3);
  return String((10 - (sum % 10)) % 10);
}

/**
 * Checks an ISBN as typed ("978-7-101-00304-8", "7 101 00304 X", "isbn
 * 7101003044") and answers its ISBN-13, or why it is not one: `format` (not
 * 10 or 13 characters of digits, an X only as the last of ten, a 13 not
 * starting 978 or 979) or `check_digit` (a mistyped digit).
 */
export function parseIsbn(input: string): IsbnResult {
  const compact = input
    .trim()
    .replace(/^ISBN(?:-1[03])?:?/i, "")
    .replace(/[\s-]/g, "")
    .toUpperCase();
  if (/^\d{9}[\dX]$/.test(compact)) {
    if (isbn10Check(compact.slice(0, 9)) !== compact[9]) return { ok: false, reason: "check_digit" };
    const twelve = `978${compact.slice(0, 9)}`;
    return { ok: true, isbn13: twelve + isbn13Check(twelve) };
  }
  if (/^97[89]\d{10}$/.test(compact)) {
    if (isbn13Check(compact.slice(0, 12)) !== compact[12]) return { ok: false, reason: "check_digit" };
    return { ok: true, isbn13: compact };
  }
  return { ok: false, reason: "format" };
}

/** An ISBN-13 written with a hyphen after the prefix, as shown to people ("978-7101003048"); grouping needs the range tables. */
export function displayIsbn(isbn13: string): string {
  return `${isbn13.slice(0, 3)}-${isbn13.slice(3)}`;
}

/**
 * Control characters other than tab and line feed (C0, DEL, C1), the byte-order
 * mark and zero-width spaces: PDF text layers carry them as blank glyphs (史記
 * maps its padding glyph to U+0001) and they would split words for the index.
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\uFEFF]/g;

/**
 * Chinese prose is punctuated with these full-width forms (，：；！？（）); NFKC would
 * turn them into ASCII, which reads wrongly on the record page. They stay; the
 * search analysis folds them anyway (server/search/analysis.ts).
 */
const CJK_PUNCTUATION = /([，：；！？（）])/u;

/** NFKC (Kangxi radicals, full-width letters and digits, ideographic space) except Chinese punctuation. */
function foldCompatibility(text: string): string {
  return text
    .split(CJK_PUNCTUATION)
    .map((part, i) => (i % 2 === 1 ? part : part.normalize("NFKC")))
    .join("");
}

/**
 * Text as people search it. NFKC folds what looks the same to a reader into one
 * code point: Kangxi radicals (⼈ U+2F08, which the books' text layers use for 人)
 * become the ideographs, full-width Latin and digits become ASCII. Line endings
 * become \n, invisible characters go, trailing spaces go, and blank lines are
 * kept to one between paragraphs.
 */
export function normaliseText(text: string): string {
  return foldCompatibility(text.replace(/\r\n?|[\u2028\u2029\u0085]/g, "\n").replace(INVISIBLE, ""))
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .replace(/^\n+|\n+$/g, "");
}

/**
 * Named character references that pages written in Chinese offices use. A full
 * HTML parser (htmlparser2 with entities) would know all 2,231; until the
 * project takes one on, others are left as written.
 */
const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00A0",
  ensp: "\u2002",
  emsp: "\u2003",
  thinsp: "\u2009",
  ideographicspace: "\u3000",
  shy: "\u00AD",
  copy: "©",
  reg: "®",
  trade: "™",
  middot: "·",
  bull: "•",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  laquo: "«",
  raquo: "»",
  times: "×",
  divide: "÷",
  deg: "°",
  plusmn: "±",
  permil: "‰",
  sect: "§",
  para: "¶",
  yen: "¥",
  euro: "€",
  pound: "£",
  cent: "¢",
  larr: "←",
  rarr: "→",
  uarr: "↑",
  darr: "↓",
  le: "≤",
  ge: "≥",
  ne: "≠",
  radic: "√",
  infin: "∞",
};

/** Decodes character references: &#20154; &#x4EBA; and the named ones above. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31});?/g, (whole, ref: string) => {
    if (ref.startsWith("#")) {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      // NUL, surrogates and numbers beyond Unicode are read as the replacement character (HTML's rule).
      const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
      return String.fromCodePoint(valid ? code : 0xfffd);
    }
    return NAMED_ENTITIES[ref] ?? NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** Elements whose start or end begins a new line of text. */
const BLOCK =
  "address|article|aside|blockquote|body|br|caption|center|dd|details|dialog|div|dl|dt|fieldset|figcaption|figure|footer|form|h[1-6]|header|hr|html|li|main|nav|ol|p|pre|section|summary|table|tbody|tfoot|thead|title|tr|ul";
/** A tag, with attribute values quoted either way (a > inside quotes does not end it). */
const TAG = String.raw`<\/?[a-zA-Z][^\s/>]*(?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*\s*\/?>`;

/**
 * Text of an HTML page as a reader sees it: no markup, scripts, styles or
 * comments, one line per block, character references decoded, whitespace
 * collapsed as a browser does (except inside <pre>). A careful minimal reader,
 * not a full HTML parser: the page's <title> comes first, as the document's title.
 */
export function htmlToText(html: string): string {
  const title = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html)?.[1] ?? "";
  const body = html
    .replace(/<!--[\s\S]*?(?:-->|$)/g, "")
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "")
    .replace(/<!DOCTYPE[^>]*>/gi, "")
    .replace(/<(script|style|template|noscript|head|svg|math|object)\b[\s\S]*?<\/\1\s*>/gi, "");
  // <pre> keeps its line breaks and spaces: set them aside before collapsing.
  const pres: string[] = [];
  const marked = body.replace(/<pre\b[^>]*>([\s\S]*?)<\/pre\s*>/gi, (_m, inner: string) => {
    pres.push(inner.replace(new RegExp(TAG, "g"), ""));
    return `\uE000${pres.length - 1}\uE000`;
  });
  const text = marked
    .replace(/\s+/g, " ")
    .replace(new RegExp(`<\\/?(?:${BLOCK})\\b(?:"[^"]*"|'[^']*'|[^>])*>`, "gi"), "\n")
    .replace(/<\/?(?:td|th)\b(?:"[^"]*"|'[^']*'|[^>])*>/gi, "\t")
    .replace(new RegExp(TAG, "g"), "")
    .replace(/\uE000(\d+)\uE000/g, (_m, i: string) => `\n${pres[Number(i)] ?? ""}\n`);
  const lines = decodeEntities(text)
    .split("\n")
    .map((line) => line.replace(/\t+/g, "\t").replace(/^[ \t]+|[ \t]+$/g, ""));
  const titleText = decodeEntities(title.replace(/\s+/g, " ")).trim();
  return [titleText, ...lines]
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * Text of a Markdown document for reading and search: headings without #,
 * emphasis without its marks, links and images as their text, comments
 * (<!-- INFO END -->), HTML tags, rules and table pipes gone.
 */
export function markdownToText(markdown: string): string {
  const withoutComments = markdown.replace(/<!--[\s\S]*?(?:-->|$)/g, "");
  const lines: string[] = [];
  let fenced = false;
  for (const raw of withoutComments.split(/\r\n?|\n/)) {
    if (/^\s{0,3}(```|~~~)/.test(raw)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      lines.push(raw);
      continue;
    }
    // Reference definitions ([1]: http://…) and thematic breaks carry no text.
    if (/^\s{0,3}\[[^\]]+\]:\s*\S+/.test(raw) || /^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(raw)) continue;
    // Table delimiter rows: | --- | :---: |
    if (/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(raw)) continue;
    // Setext heading underlines (=== under a title line).
    if (/^\s{0,3}=+\s*$/.test(raw)) continue;
    let line = raw
      .replace(/^\s{0,3}#{1,6}\s+/, "")
      .replace(/\s+#+\s*$/, "")
      .replace(/^\s{0,3}(>\s?)+/, "")
      .replace(/^(\s*)(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?/, "$1");
    // Escaped punctuation (\*) is text, not syntax: set it aside until the syntax is gone.
    line = line
      .replace(/\\([\\`*_{}[\]()#+\-.!|>~<])/g, (_m, ch: string) => String.fromCharCode(0xe100 + ch.charCodeAt(0)))
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
      .replace(/\[([^\]]+)\]\[[^\]]*\]/g, "$1")
      .replace(/<((?:https?|ftp|mailto):[^>\s]+)>/gi, "$1")
      .replace(new RegExp(TAG, "g"), "")
      .replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, "$2")
      .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, "$2")
      .replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?![\w*])/g, "$1$2")
      .replace(/(^|[^\w])_(?=\S)([^_]*?\S)_(?!\w)/g, "$1$2")
      .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "$1");
    if (/^\s*\|.*\|\s*$/.test(line))
      line = line
        .trim()
        .replace(/^\||\|$/g, "")
        .trim()
        .replace(/\s*\|\s*/g, "\t");
    lines.push(line.replace(/[\uE100-\uE17F]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xe100)).trimEnd());
  }
  return decodeEntities(lines.join("\n"));
}

import { decodeHTML } from "entities";
import { Parser } from "htmlparser2";
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

/** Elements whose start or end begins a new line of text. */
const BLOCKS = new Set(
  (
    "address article aside blockquote body br caption center dd details dialog div dl dt fieldset figcaption " +
    "figure footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary table tbody " +
    "tfoot thead title tr ul"
  ).split(" "),
);
/** Elements whose content is not text a reader sees. */
const HIDDEN = new Set(["script", "style", "template", "noscript", "head", "svg", "math", "object"]);

/**
 * Text of an HTML page as a reader sees it: no markup, scripts, styles or
 * comments, one line per block, table cells apart, character references
 * decoded (htmlparser2, which reads broken markup as browsers do), whitespace
 * collapsed as a browser does except inside <pre>. The page's <title> comes
 * first, as the document's title.
 */
export function htmlToText(html: string): string {
  let title = "";
  let inTitle = false;
  let hidden = 0;
  let pre = 0;
  const lines: string[] = [];
  let line = "";
  const endLine = () => {
    lines.push(...line.split("\n"));
    line = "";
  };
  const parser = new Parser(
    {
      onopentag(name) {
        if (name === "title") inTitle = true;
        else if (HIDDEN.has(name)) hidden += 1;
        else if (hidden > 0) return;
        else if (name === "pre") {
          endLine();
          pre += 1;
        } else if (BLOCKS.has(name)) endLine();
        else if (name === "td" || name === "th") line += "\t";
      },
      ontext(text) {
        if (inTitle) title += text;
        // HTML's own whitespace only: a no-break space (&nbsp;) stays, as in a browser.
        else if (hidden === 0) line += pre > 0 ? text : text.replace(/[ \t\n\r\f]+/g, " ");
      },
      onclosetag(name, implied) {
        if (name === "title") inTitle = false;
        else if (HIDDEN.has(name)) hidden = Math.max(0, hidden - 1);
        else if (hidden > 0) return;
        else if (name === "pre") {
          pre = Math.max(0, pre - 1);
          endLine();
          // A void element (<br>) closes as it opens: one line break, not two.
        } else if (BLOCKS.has(name) && !(implied && name === "br")) endLine();
        else if (name === "td" || name === "th") line += "\t";
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  endLine();
  return [
    title.replace(/\s+/g, " ").trim(),
    ...lines.map((l) => l.replace(/\t+/g, "\t").replace(/^[ \t]+|[ \t]+$/g, "")),
  ]
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** An inline HTML tag in Markdown, attribute values quoted either way (a > inside quotes does not end it). */
const TAG = String.raw`<\/?[a-zA-Z][^\s/>]*(?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*\s*\/?>`;

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
  return decodeHTML(lines.join("\n"));
}

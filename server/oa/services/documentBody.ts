import { FilterXSS } from "xss";
import { DomUtils, parseDocument } from "htmlparser2";
import { diffChars, diffLines } from "diff";
import { badRequest } from "../../core/errors.js";
import { CLASSIFIED_MARKS } from "../models/document.js";

/**
 * 正文 as the editor sends it, kept to what a 公文 body uses (paragraphs,
 * headings for the 一、（一）1. levels, emphasis, lists, tables, quotes) and
 * nothing that runs or reaches out: no scripts, styles, event handlers, links,
 * images or forms. The GB/T 9704 renderer reads the same subset.
 */
const sanitizer = new FilterXSS({
  whiteList: {
    p: ["style"],
    br: [],
    strong: [],
    b: [],
    em: [],
    i: [],
    u: [],
    s: [],
    h1: [],
    h2: [],
    h3: [],
    h4: [],
    ol: [],
    ul: [],
    li: [],
    blockquote: [],
    table: [],
    thead: [],
    tbody: [],
    tr: [],
    th: ["colspan", "rowspan"],
    td: ["colspan", "rowspan"],
  },
  stripIgnoreTag: true,
  stripIgnoreTagBody: ["script", "style", "iframe", "object", "template"],
  css: { whiteList: { "text-align": /^(left|right|center|justify)$/ } },
});

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function sanitizeBody(html: string): string {
  if (Buffer.byteLength(html) > MAX_BODY_BYTES) {
    throw badRequest("body_too_large", `The 正文 is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`);
  }
  return sanitizer.process(html).trim();
}

/** The 正文's text, one paragraph per line: for the archive, search and the revision diff. */
export function bodyText(html: string): string {
  const blocks = html
    .replace(/<br\s*\/?>/gi, "\n")
    .split(/<\/(?:p|h[1-4]|li|blockquote|tr)>/i)
    .map((part) =>
      DomUtils.textContent(parseDocument(part))
        .replace(/[ \t\u00a0]+/g, " ")
        .trim(),
    )
    .filter(Boolean);
  return blocks.join("\n");
}

/** 秘密★一年, 机密, 绝密★启用前 …: how GB/T 9704 marks classified content at the top of a document. */
const MARKING = new RegExp(`(?:${CLASSIFIED_MARKS.join("|")})\\s*(?:★|☆|\\*)`);

/**
 * The system holds non-classified documents only: a document declared or
 * marked 秘密/机密/绝密 is refused with a clear error, never stored.
 */
export function refuseClassified(fields: { secrecy?: string | null; title?: string; bodyHtml?: string }): void {
  if (fields.secrecy && (CLASSIFIED_MARKS as readonly string[]).includes(fields.secrecy)) {
    throw badRequest(
      "classified_not_allowed",
      `This system handles non-classified documents only; a ${fields.secrecy} document must go through the classified network`,
    );
  }
  const text = `${fields.title ?? ""}\n${fields.bodyHtml ? bodyText(fields.bodyHtml).slice(0, 2000) : ""}`;
  const found = MARKING.exec(text);
  if (found) {
    throw badRequest(
      "classified_not_allowed",
      `The document is marked ${found[0]}: this system handles non-classified documents only`,
    );
  }
}

export interface DiffPart {
  /** "same", "added" or "removed". */
  change: "same" | "added" | "removed";
  text: string;
}

/** Above this many characters a diff compares whole paragraphs (character diffs grow with the product of the lengths). */
const CHARACTER_DIFF_LIMIT = 100_000;

/** What changed between two revisions of the 正文, character by character (Chinese has no spaces to split words at). */
export function diffBodies(fromHtml: string, toHtml: string): DiffPart[] {
  const a = bodyText(fromHtml);
  const b = bodyText(toHtml);
  const pieces = a.length + b.length > CHARACTER_DIFF_LIMIT ? diffLines(a, b) : diffChars(a, b);
  return pieces.map((piece) => ({
    change: piece.added ? "added" : piece.removed ? "removed" : "same",
    text: piece.value,
  }));
}

/**
 * Text analysis shared by both search backends, so that a document and a query
 * turn into the same tokens whichever engine stores them.
 *
 * normalise: NFKC (full-width → half-width, Kangxi radicals → ordinary
 * characters), lower case, Traditional → Simplified (OpenCC "t" → "cn"). The
 * steps run per character where they can change length, and keep a map from
 * every normalised UTF-16 unit back to the original, so that places found on
 * normalised text can be marked on the text a person sees.
 *
 * tokens: a run of CJK characters (Han, kana, Hangul) c1…cn becomes the
 * overlapping bigrams c1c2 … c(n-1)cn followed by the last character cn alone,
 * so that every character of the run starts exactly one token. That is what
 * lets a one-character query (税) be a prefix match over tokens (税*: 税务,
 * 税收, 税 at the end of a run) without a second, unigram index, and lets a
 * query that ends in the middle of a document's run (2006年 in 2006年度) match
 * with its last character as a prefix. It costs one token per run over plain
 * bigrams: 9% more tokens on the laws corpus (674,710 of 7.5M). Runs of other
 * letters, digits and marks are words; everything else separates. Digits next
 * to CJK are their own word: 2006年 → 2006 年, GB/T 9704 → gb t 9704.
 *
 * parseQuery: terms separated by spaces (ASCII or ideographic) must all match;
 * a "quoted" (or “quoted”) part is one term. Each term is a phrase: its tokens
 * in order, built so that it matches exactly where the document's text has the
 * term's characters in a row (punctuation and spaces between words aside),
 * never bigrams scattered over the text.
 */
import { Converter } from "opencc-js/t2cn";
import type { Marked } from "./types.js";

const toSimplified = Converter({ from: "t", to: "cn" });

/** Text after normalise, with the original [start, end) of every UTF-16 unit. */
export interface Normalised {
  text: string;
  starts: Uint32Array;
  ends: Uint32Array;
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30fc]/u;
const WORD = /[\p{L}\p{N}\p{M}]/u;
const COMBINING = /[\p{M}\u1160-\u11ff]/u;

const enum Kind {
  Other = 0,
  Word = 1,
  Cjk = 2,
}

const kindCache = new Map<number, Kind>();

function kindOf(cp: number): Kind {
  if (cp < 0x80) {
    if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a)) return Kind.Word;
    return Kind.Other;
  }
  if (cp >= 0x4e00 && cp <= 0x9fff) return Kind.Cjk;
  let kind = kindCache.get(cp);
  if (kind === undefined) {
    const ch = String.fromCodePoint(cp);
    kind = CJK.test(ch) ? Kind.Cjk : WORD.test(ch) ? Kind.Word : Kind.Other;
    kindCache.set(cp, kind);
  }
  return kind;
}

/** Characters that NFKC and lower case leave alone, checked without calling either. */
function isStable(cp: number): boolean {
  return (cp < 0x80 && !(cp >= 0x41 && cp <= 0x5a)) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf);
}

/**
 * NFKC and lower case one "cluster" at a time: a character with the combining
 * marks (and Hangul vowel/final jamo) that follow it, so that composition
 * still happens inside the cluster, and every output unit knows the cluster it
 * came from.
 */
function foldClusters(original: string, withMap: boolean): { text: string; starts: number[]; ends: number[] } {
  let text = "";
  const starts: number[] = [];
  const ends: number[] = [];
  let i = 0;
  const n = original.length;
  while (i < n) {
    const cp = original.codePointAt(i)!;
    let end = i + (cp > 0xffff ? 2 : 1);
    if (isStable(cp) && (end >= n || isStable(original.charCodeAt(end)))) {
      // The common case (ASCII lower case, CJK ideographs) costs one append.
      text += original[i];
      if (withMap) {
        starts.push(i);
        ends.push(end);
      }
      i = end;
      continue;
    }
    while (end < n) {
      const next = original.codePointAt(end)!;
      if (!COMBINING.test(String.fromCodePoint(next))) break;
      end += next > 0xffff ? 2 : 1;
    }
    const folded = original.slice(i, end).normalize("NFKC").toLowerCase();
    text += folded;
    if (withMap) {
      for (let k = 0; k < folded.length; k += 1) {
        starts.push(i);
        ends.push(end);
      }
    }
    i = end;
  }
  return { text, starts, ends };
}

function codePointCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0xdc00 || unit > 0xdfff) count += 1;
  }
  return count;
}

/**
 * Traditional → Simplified over the whole text (OpenCC's phrases need their
 * context). Its conversions keep the number of characters; when one would not,
 * each character is converted alone so that the map stays exact.
 */
function simplify(folded: { text: string; starts: number[]; ends: number[] }, withMap: boolean): Normalised {
  const converted = toSimplified(folded.text);
  if (converted === folded.text || (!withMap && codePointCount(converted) === codePointCount(folded.text))) {
    return {
      text: converted,
      starts: Uint32Array.from(withMap ? folded.starts : []),
      ends: Uint32Array.from(withMap ? folded.ends : []),
    };
  }
  const sameCount = codePointCount(converted) === codePointCount(folded.text);
  let text = "";
  const starts: number[] = [];
  const ends: number[] = [];
  let source = 0;
  let target = 0;
  while (source < folded.text.length) {
    const sourceCp = folded.text.codePointAt(source)!;
    const sourceLength = sourceCp > 0xffff ? 2 : 1;
    let piece: string;
    if (sameCount) {
      const targetCp = converted.codePointAt(target)!;
      piece = String.fromCodePoint(targetCp);
      target += piece.length;
    } else {
      piece = toSimplified(String.fromCodePoint(sourceCp));
    }
    text += piece;
    if (withMap) {
      for (let k = 0; k < piece.length; k += 1) {
        starts.push(folded.starts[source]!);
        ends.push(folded.ends[source + sourceLength - 1]!);
      }
    }
    source += sourceLength;
  }
  return { text, starts: Uint32Array.from(starts), ends: Uint32Array.from(ends) };
}

/** The text as it is indexed and searched. */
export function normalise(text: string): string {
  return simplify(foldClusters(text, false), false).text;
}

/** normalise, with the map back to the original for highlighting. */
export function normaliseWithMap(text: string): Normalised {
  return simplify(foldClusters(text, true), true);
}

/** A run of CJK characters or a word, in normalised text. */
export interface Segment {
  text: string;
  cjk: boolean;
  start: number;
  end: number;
}

/**
 * The length of a line break at `i` that a CJK run goes on across: spaces or
 * tabs, then \n or \r\n, directly followed by a CJK character. Chinese has no
 * spaces between words, so a PDF's text layer breaks its lines anywhere, 人民
 * at the end of one and 政府 at the start of the next; read as one run, the
 * phrase 人民政府 is found. A line that starts with a space (an indented new
 * paragraph) is not joined. 0 when there is no such break.
 */
function lineWrapAt(text: string, i: number): number {
  let k = i;
  while (text.charCodeAt(k) === 0x20 || text.charCodeAt(k) === 0x09) k += 1;
  if (text.charCodeAt(k) === 0x0d) k += 1;
  if (text.charCodeAt(k) !== 0x0a) return 0;
  k += 1;
  return k < text.length && kindOf(text.codePointAt(k)!) === Kind.Cjk ? k - i : 0;
}

/** Between two characters of a CJK run in termPattern: the line break lineWrapAt joins. */
const LINE_WRAP = "(?:[ \\t]*\\r?\\n)?";

/**
 * The CJK runs and words of normalised text, in order. A CJK run goes on
 * across a line wrap (lineWrapAt): its text leaves the break out, start and
 * end still span it.
 */
export function segments(normalised: string): Segment[] {
  const result: Segment[] = [];
  let i = 0;
  const n = normalised.length;
  while (i < n) {
    const cp = normalised.codePointAt(i)!;
    const kind = kindOf(cp);
    if (kind === Kind.Other) {
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const start = i;
    let text = "";
    let from = start;
    i += cp > 0xffff ? 2 : 1;
    while (i < n) {
      const next = normalised.codePointAt(i)!;
      if (kindOf(next) !== kind) {
        const wrap = kind === Kind.Cjk ? lineWrapAt(normalised, i) : 0;
        if (wrap === 0) break;
        text += normalised.slice(from, i);
        i += wrap;
        from = i;
        continue;
      }
      i += next > 0xffff ? 2 : 1;
    }
    text += normalised.slice(from, i);
    result.push({ text, cjk: kind === Kind.Cjk, start, end: i });
  }
  return result;
}

function characters(text: string): string[] {
  return Array.from(text);
}

/** Document tokens of normalised text: CJK bigrams plus each run's last character; words. */
export function tokensOfNormalised(normalised: string): string[] {
  const result: string[] = [];
  for (const segment of segments(normalised)) {
    if (!segment.cjk) {
      result.push(segment.text);
      continue;
    }
    const chars = characters(segment.text);
    for (let k = 0; k + 1 < chars.length; k += 1) result.push(chars[k]! + chars[k + 1]!);
    result.push(chars[chars.length - 1]!);
  }
  return result;
}

/** Document tokens of raw text (normalised first). */
export function tokens(text: string): string[] {
  return tokensOfNormalised(normalise(text));
}

/** One token of a query phrase; a prefix token matches every token that starts with its text. */
export interface QueryToken {
  text: string;
  prefix: boolean;
}

/** One term of a query: a phrase whose tokens must appear in this order, next to each other. */
export interface QueryTerm {
  /** The term as normalised text (without the quotes). */
  text: string;
  tokens: QueryToken[];
  /** Its CJK runs and words, for finding it again in a document's text. */
  segments: { text: string; cjk: boolean }[];
}

/** Longer input is cut: a query is a few words, and every term costs a phrase match. */
export const MAX_QUERY_LENGTH = 200;
export const MAX_TERMS = 12;

/**
 * The tokens of a phrase. A CJK run inside the phrase gives its bigrams; its
 * last character follows as a token of its own when something comes after the
 * run (the document's run ends there too, so it has that token). A run that
 * ends the phrase drops it, because the document's run may go on. A run of one
 * character that ends the phrase is a prefix token (it starts a bigram of the
 * document or stands alone at the end of a run).
 */
function phraseTokens(parts: { text: string; cjk: boolean }[]): QueryToken[] {
  const result: QueryToken[] = [];
  parts.forEach((part, index) => {
    const last = index === parts.length - 1;
    if (!part.cjk) {
      result.push({ text: part.text, prefix: false });
      return;
    }
    const chars = characters(part.text);
    if (chars.length === 1) {
      result.push({ text: chars[0]!, prefix: last });
      return;
    }
    for (let k = 0; k + 1 < chars.length; k += 1) result.push({ text: chars[k]! + chars[k + 1]!, prefix: false });
    if (!last) result.push({ text: chars[chars.length - 1]!, prefix: false });
  });
  return result;
}

const QUOTES = /["\u201c\u201d\u300c\u300d\u300e\u300f]/;

/** The terms of what a person typed; terms without a letter, digit or CJK character are dropped. */
export function parseQuery(input: string): QueryTerm[] {
  const text = normalise(input.slice(0, MAX_QUERY_LENGTH));
  const raw: string[] = [];
  let quoted = false;
  let current = "";
  const flush = () => {
    if (current.trim()) raw.push(current);
    current = "";
  };
  for (const ch of text) {
    if (QUOTES.test(ch)) {
      flush();
      quoted = !quoted;
    } else if (!quoted && /\s/.test(ch)) {
      flush();
    } else {
      current += ch;
    }
  }
  flush();
  const terms: QueryTerm[] = [];
  const seen = new Set<string>();
  for (const termText of raw) {
    const parts = segments(termText).map(({ text: partText, cjk }) => ({ text: partText, cjk }));
    if (parts.length === 0) continue;
    const key = parts.map((part) => part.text).join(" ");
    if (seen.has(key)) continue;
    seen.add(key);
    terms.push({ text: termText.trim(), tokens: phraseTokens(parts), segments: parts });
    if (terms.length === MAX_TERMS) break;
  }
  return terms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const SEPARATORS = "[^\\p{L}\\p{N}\\p{M}]*";
const WORD_CHAR = "[\\p{L}\\p{N}\\p{M}]";

/**
 * A pattern that finds the terms in normalised text the way the index matches
 * them: the term's runs and words in order with only separators between, a
 * word not glued to other letters or digits.
 */
export function termPattern(terms: readonly QueryTerm[]): RegExp | null {
  const alternatives = terms.map((term) =>
    term.segments
      .map((part) => {
        if (part.cjk) return characters(part.text).map(escapeRegExp).join(LINE_WRAP);
        const body = escapeRegExp(part.text);
        // A word is a whole token: not inside a longer run of letters or digits (CJK does not count).
        return `(?<!(?![${CJK.source.slice(1, -1)}])${WORD_CHAR})${body}(?!(?![${CJK.source.slice(1, -1)}])${WORD_CHAR})`;
      })
      .join(SEPARATORS),
  );
  if (alternatives.length === 0) return null;
  return new RegExp(alternatives.join("|"), "gu");
}

function mergeMarks(marks: [number, number][]): [number, number][] {
  marks.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const mark of marks) {
    const last = merged[merged.length - 1];
    if (last && mark[0] <= last[1]) last[1] = Math.max(last[1], mark[1]);
    else merged.push([mark[0], mark[1]]);
  }
  return merged;
}

/** Every place in `text` (original, not normalised) where a term matches, as [start, end) offsets of `text`. */
export function findMarks(text: string, terms: readonly QueryTerm[]): [number, number][] {
  const pattern = termPattern(terms);
  if (!pattern) return [];
  const normalised = normaliseWithMap(text);
  const marks: [number, number][] = [];
  for (const match of normalised.text.matchAll(pattern)) {
    if (match[0].length === 0) continue;
    const start = match.index;
    const end = start + match[0].length;
    marks.push([normalised.starts[start]!, normalised.ends[end - 1]!]);
  }
  return mergeMarks(marks);
}

/** The text with every match marked (titles). */
export function markAll(text: string, terms: readonly QueryTerm[]): Marked {
  return { text, marks: findMarks(text, terms) };
}

/**
 * Finding the first match means normalising the body up to it. Most text is
 * already in the normalised form (Simplified, half-width), so the terms are
 * first looked for in the raw text, which costs a regex scan; a match there is
 * a match of the normalised text too (it may not be the first one, when an
 * earlier one is written in Traditional or full-width characters). Only when
 * that finds nothing is the body normalised, a window at a time, up to
 * SCAN_LIMIT characters (~20 ms of a whole book); a match further on gives the
 * body's beginning.
 */
const SCAN_WINDOW = 8_192;
/** A match longer than this may be missed where two windows meet (a query is at most MAX_QUERY_LENGTH long). */
const SCAN_OVERLAP = MAX_QUERY_LENGTH * 2;
const SCAN_LIMIT = 262_144;

function firstMatch(body: string, terms: readonly QueryTerm[]): [number, number] | null {
  const pattern = termPattern(terms);
  if (!pattern) return null;
  const literal = new RegExp(pattern.source, "iu").exec(body);
  if (literal) return [literal.index, literal.index + literal[0].length];
  for (let from = 0; from < Math.min(body.length, SCAN_LIMIT); from += SCAN_WINDOW) {
    const start = from;
    const end = Math.min(body.length, from + SCAN_WINDOW + SCAN_OVERLAP);
    const marks = findMarks(body.slice(start, end), terms);
    const first = marks[0];
    if (first) return [first[0] + start, first[1] + start];
  }
  return null;
}

function isLowSurrogate(text: string, index: number): boolean {
  const unit = text.charCodeAt(index);
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * About `size` characters of the body around its first match (the beginning
 * when no term is found in the body), with every match in that stretch marked.
 * A backend that knows the body has no match (the document matched by its
 * title) says so with `inBody: false`, and the body is not searched.
 */
export function snippet(body: string, terms: readonly QueryTerm[], size = 120, inBody = true): Marked {
  const first = terms.length > 0 && inBody ? firstMatch(body, terms) : null;
  let start = 0;
  if (first) start = Math.max(0, first[0] - Math.floor((size - (first[1] - first[0])) / 3));
  let end = Math.min(body.length, start + size);
  if (first && end < first[1]) end = first[1];
  if (start > 0 && isLowSurrogate(body, start)) start -= 1;
  if (end < body.length && isLowSurrogate(body, end)) end += 1;
  const text = body.slice(start, end);
  return { text, marks: findMarks(text, terms) };
}

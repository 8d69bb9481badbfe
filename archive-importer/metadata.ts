import { basename, extname } from "node:path";
import { agencyCode, canonicalDocNumber, docNumberPattern } from "../server/archive/services/docNumber.js";
import type { DocumentMetadata, Validity } from "./types.js";

/* ---------- 文号 ---------- */

export { canonicalDocNumber };

interface FoundDocNumber {
  value: string;
  /** What else the line says, without the 文号: little for a 发文字号 line of its own. */
  rest: string;
}

function docNumbersIn(line: string): FoundDocNumber[] {
  const found: FoundDocNumber[] = [];
  for (const m of line.matchAll(docNumberPattern())) {
    const [whole, run = "", year, number] = m;
    const code = agencyCode(run);
    if (!code) continue;
    const start = (m.index ?? 0) + run.length - code.length;
    const end = (m.index ?? 0) + whole.length;
    const rest = (line.slice(0, start) + line.slice(end)).replace(/[\s()（）〔〕[\]【】]/gu, "");
    found.push({ value: `${code}〔${year}〕${Number(number)}号`, rest });
  }
  return found;
}

/* ---------- dates ---------- */

const CN_DIGIT: Record<string, number> = {
  〇: 0,
  "○": 0,
  零: 0,
  O: 0,
  o: 0,
  "0": 0,
  一: 1,
  二: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const CN_YEAR_DIGITS = "〇○零Oo0一二三四五六七八九";
/** 1–31 written in Chinese: 五, 十, 十二, 二十, 二十一, 廿一, 三十一. */
const CN_SMALL = "[一二三四五六七八九十廿卅]{1,3}";

function chineseSmallNumber(text: string): number | null {
  const m = /^([一二三四五六七八九])?(十|廿|卅)?([一二三四五六七八九])?$/u.exec(text);
  if (!m || text === "") return null;
  const [, tens, ten, ones] = m;
  if (!ten) return tens && !ones ? (CN_DIGIT[tens] ?? null) : null;
  const base = ten === "廿" ? 20 : ten === "卅" ? 30 : 10 * (tens ? (CN_DIGIT[tens] ?? 1) : 1);
  if (ten !== "十" && tens) return null;
  return base + (ones ? (CN_DIGIT[ones] ?? 0) : 0);
}

const DATE = new RegExp(
  `((?:19|20)\\d{2}|[${CN_YEAR_DIGITS}]{4})\\s*年\\s*(\\d{1,2}|${CN_SMALL})\\s*月\\s*(\\d{1,2}|${CN_SMALL})\\s*日`,
  "gu",
);

function isoDate(year: number, month: number, day: number): string | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

function dateOf(m: RegExpMatchArray): string | null {
  const [, y = "", mo = "", d = ""] = m;
  const year = /^\d+$/.test(y) ? Number(y) : Number([...y].map((c) => CN_DIGIT[c] ?? "").join(""));
  const month = /^\d+$/.test(mo) ? Number(mo) : chineseSmallNumber(mo);
  const day = /^\d+$/.test(d) ? Number(d) : chineseSmallNumber(d);
  if (!year || month === null || day === null || year < 1900 || year > 2100) return null;
  return isoDate(year, month, day);
}

/** A date written 1985年3月7日 or 一九八三年五月十日 (二〇〇六年, 二○○六年, 十二月二十一日) as YYYY-MM-DD; null if none. */
export function parseChineseDate(text: string): string | null {
  // matchAll starts where the pattern's lastIndex is, which the exec calls below leave behind.
  DATE.lastIndex = 0;
  for (const m of text.normalize("NFKC").matchAll(DATE)) {
    const date = dateOf(m);
    if (date) return date;
  }
  return null;
}

/** A line that starts with a date: an event in a law's head (1985年3月7日 国务院批准). */
function leadingDate(line: string): { date: string; rest: string } | null {
  // A sentence that starts with a date is body text, not a head event.
  if (line.length > 120 || /[:“]/u.test(line)) return null;
  DATE.lastIndex = 0;
  const m = DATE.exec(line);
  if (!m || m.index > 2) return null;
  const date = dateOf(m);
  return date ? { date, rest: line.slice(m.index + m[0].length).trim() } : null;
}

/* ---------- issuing organs ---------- */

const NPC_STANDING = "全国人民代表大会常务委员会";
const NPC = "全国人民代表大会";

/** Organs named in a head line or title, in the order they appear, under the names people search for. */
function organsIn(line: string): string[] {
  const found: { at: number; organ: string }[] = [];
  const add = (at: number, organ: string) => found.push({ at, organ });
  for (const m of line.matchAll(/全国人民代表大会(常务委员会)?/gu)) add(m.index ?? 0, m[1] ? NPC_STANDING : NPC);
  for (const m of line.matchAll(/最高人民(法院|检察院)/gu)) add(m.index ?? 0, `最高人民${m[1]}`);
  for (const m of line.matchAll(/(?<!中央|省|市|县|区|州|盟|旗)国务院(办公厅)?(?!各部|有关部门|所属|部门|直属)/gu)) {
    add(m.index ?? 0, m[1] ? "国务院办公厅" : "国务院");
  }
  for (const m of line.matchAll(/中央军事委员会|政务院/gu)) add(m.index ?? 0, m[0]);
  // An organ that passed or issued it: 国家互联网信息办公室2021年第20次室务会议审议通过, 公安部发布.
  const acting =
    /^(?:中华人民共和国)?(\p{Script=Han}{2,20}?(?:部|委员会|总局|局|署|银行|办公厅|办公室))(?:\d{4}年)?(?:第[\d一二三四五六七八九十百]+次\p{Script=Han}{0,6}会议|发布|公布|批准|印发|颁布)/u.exec(
      line,
    );
  if (acting?.[1] && !/国务院|人民代表大会|军事委员会|最高人民|审判委员会|检察委员会/.test(acting[1]))
    add(0, acting[1]);
  // A ministry's or bureau's order: 公安部令第127号, 国家统计局令第1号, 中华人民共和国财政部令.
  for (const m of line.matchAll(
    /(?:中华人民共和国)?((?:国家)?\p{Script=Han}{1,12}?(?:部|委员会|总局|局|署|银行|办公厅|办公室))(?:、|和)?(?:\p{Script=Han}{0,12}?)令/gu,
  )) {
    const organ = m[1] ?? "";
    if (!/国务院|人民代表大会|军事委员会/.test(organ)) add(m.index ?? 0, organ);
  }
  // Local governments and their offices: 南宁市人民政府, 广西壮族自治区人民政府办公厅.
  for (const m of line.matchAll(
    /(\p{Script=Han}{1,12}?(?:省|市|县|区|自治区|自治州|盟|旗)人民政府(?:办公厅|办公室)?)/gu,
  )) {
    add(m.index ?? 0, (m[1] ?? "").replace(/^(?:经|由|报|请|向|根据|按照)/u, ""));
  }
  found.sort((a, b) => a.at - b.at);
  return [...new Set(found.map((f) => f.organ).filter(Boolean))];
}

/** Short forms people write for organs. */
const ORGAN_ALIASES: Record<string, string> = {
  中央军委: "中央军事委员会",
  全国人大常委会: NPC_STANDING,
  全国人大: NPC,
  最高法: "最高人民法院",
  最高检: "最高人民检察院",
};

const ORGAN_SUFFIX = /(?:部|院|局|署|委员会|政府|办公厅|办公室|总局|厅|委|会|银行|中心)$/u;

/** The organs before 关于 in a 公文 title: 最高人民法院、最高人民检察院关于… → both. */
function organsOfTitle(title: string): string[] {
  const head = /^(.{2,60}?)关于/u.exec(title.replace(/^中华人民共和国/u, ""))?.[1];
  // 贯彻《国务院关于…》的办法: the 关于 belongs to a cited title.
  if (!head || /[《〈<"“]/u.test(head)) return [];
  return head
    .split(/[、,\s]+|(?<=部|院|局|署|委员会|政府|办公厅)和/u)
    .map((s) => s.replace(/^中华人民共和国/u, "").trim())
    .map((s) => ORGAN_ALIASES[s] ?? s)
    .filter((s) => /^\p{Script=Han}{2,30}$/u.test(s) && ORGAN_SUFFIX.test(s));
}

/** 文号 prefixes whose organ is certain. */
const CODE_ORGANS: [RegExp, string[]][] = [
  [/^国办/u, ["国务院办公厅"]],
  [/^国(发|函|令)/u, ["国务院"]],
  [/^法释/u, ["最高人民法院"]],
  [/^高检发/u, ["最高人民检察院"]],
];

/* ---------- document type ---------- */

/** Kinds of document by the last word of the title, longest first: 公文 types (GB/T 9704) and kinds of law. */
const DOC_TYPES: [string, string][] = [
  ["修正案", "修正案"],
  ["实施细则", "细则"],
  ["实施条例", "条例"],
  ["实施办法", "办法"],
  ["暂行条例", "条例"],
  ["暂行规定", "规定"],
  ["暂行办法", "办法"],
  ["若干规定", "规定"],
  ["补充规定", "规定"],
  ["法典", "法典"],
  ["决议", "决议"],
  ["决定", "决定"],
  ["命令", "命令"],
  ["公报", "公报"],
  ["公告", "公告"],
  ["通告", "通告"],
  ["意见", "意见"],
  ["通知", "通知"],
  ["通报", "通报"],
  ["报告", "报告"],
  ["请示", "请示"],
  ["批复", "批复"],
  ["议案", "议案"],
  ["纪要", "纪要"],
  ["条例", "条例"],
  ["规定", "规定"],
  ["办法", "办法"],
  ["细则", "细则"],
  ["规则", "规则"],
  ["解释", "解释"],
  ["解答", "解答"],
  ["答复", "答复"],
  ["章程", "章程"],
  ["规程", "规程"],
  ["准则", "准则"],
  ["标准", "标准"],
  ["安排", "安排"],
  ["纲要", "纲要"],
  ["方案", "方案"],
  ["规划", "规划"],
  ["函", "函"],
  ["令", "命令"],
  ["法", "法"],
];

/** The document type a title ends with, ignoring a closing (试行), (草案) or (二). */
export function docTypeOfTitle(title: string): string | null {
  const core = title
    .normalize("NFKC")
    .trim()
    .replace(/(\([^()]{1,8}\)|〔[^〔〕]{1,8}〕)+$/u, "")
    .trim();
  for (const [ending, type] of DOC_TYPES) {
    if (core.endsWith(ending)) return type;
  }
  return null;
}

/* ---------- the document's head ---------- */

/** Lines that stand before a 公文's title: 份号, 密级, 紧急程度, 发文机关标志, 签发人. */
const PREAMBLE = /^(\d{1,6}|特急|加急|特提|平急|秘密|机密|绝密|内部|公开)(\s|★|$)|文件$|^签发人|^主题词/u;

/** A body line: an article, a chapter, a numbered item, a salutation, or a long sentence. */
function isBodyLine(line: string): boolean {
  return (
    /^第[一二三四五六七八九十百零〇\d]+[条章节编]/u.test(line) ||
    /^[一二三四五六七八九十]+、/u.test(line) ||
    /[:：]$/u.test(line) ||
    (line.length > 80 && !leadingDate(line))
  );
}

/** A file's name: 标题(YYYY-MM-DD) gives a title and a date; any other name only a fallback title. */
function fileNameParts(fileName: string): { title: string | null; date: string | null } {
  const stem = basename(fileName, extname(fileName)).normalize("NFKC").trim();
  const m = /^(.*?)\s*\((\d{4})-(\d{2})-(\d{2})\)$/u.exec(stem);
  if (m) {
    const [, title = "", y, mo, d] = m;
    return { title: title.trim() || null, date: isoDate(Number(y), Number(mo), Number(d)) };
  }
  return { title: null, date: null };
}

/** Compares titles as people read them: without spaces, brackets' widths or the 中华人民共和国 of a law's name. */
function titleKey(title: string): string {
  return title
    .normalize("NFKC")
    .replace(/^中华人民共和国/u, "")
    .replace(/[\s《》〈〉<>"“”]/gu, "");
}

/**
 * The title: in a 公文 the line (or lines, when it wraps) after the preamble
 * and the 发文字号; in a law the first line (its Markdown heading). A file named
 * 标题(YYYY-MM-DD) gives the title when the text does not start with it.
 */
function findTitle(lines: readonly string[], fromName: string | null): { title: string | null; index: number } {
  let i = 0;
  while (i < lines.length && i < 8) {
    const line = lines[i] ?? "";
    const docNumberLine = docNumbersIn(line).some((n) => n.rest.replace(/签发人.*$/u, "").length <= 4);
    if (!PREAMBLE.test(line) && !docNumberLine && !leadingDate(line)) break;
    i++;
  }
  let title = lines[i] ?? null;
  // A long 公文 title wraps: join lines until one ends with a document type (at most three).
  if (title && !docTypeOfTitle(title) && !isBodyLine(title)) {
    for (let j = i + 1; j < Math.min(lines.length, i + 3); j++) {
      const next = lines[j] ?? "";
      if (isBodyLine(next) || leadingDate(next) || docNumbersIn(next).length) break;
      if (docTypeOfTitle(title + next)) {
        title += next;
        break;
      }
    }
  }
  if (fromName && (!title || !titleKey(title).includes(titleKey(fromName)))) {
    return { title: fromName, index: -1 };
  }
  return { title: title?.replace(/\s+/gu, " ").trim() || null, index: i };
}

/** Events that make a version of a text (not those that only bring it into force). */
const VERSION_EVENT = /通过|公布|发布|批准|修正|修订|印发|颁布|制定|施行前|决定/u;
const IN_FORCE_EVENT = /^(?:起)?(?:施行|实施|生效)\)?$|^自.*起(?:施行|实施)/u;
/** The document itself repealed: an event that is only that, or a title marked so. */
const REPEAL_EVENT = /^(?:起)?(?:废止|失效|停止执行|予以撤销)\)?$|^自.*起(?:废止|失效)/u;
const REPEAL_TITLE = /[([〔【](?:已)?(?:废止|失效)[)\]〕】]$|^[([〔【](?:已)?(?:废止|失效)[)\]〕】]/u;
/** 自2010年3月1日起施行 in a head event. */
const IN_FORCE_FROM = /自(.{2,20}?)起(?:施行|实施|生效)/u;

/** Dated event lines at the top (a law's history): 1985年3月7日 国务院批准 … */
function headEvents(lines: readonly string[], start: number): { date: string; what: string }[] {
  const events: { date: string; what: string }[] = [];
  let since = 0;
  for (let i = start; i < lines.length && i < start + 40; i++) {
    const line = lines[i] ?? "";
    const event = leadingDate(line);
    if (event) {
      events.push({ date: event.date, what: event.rest });
      since = 0;
      continue;
    }
    // Up to two lines before the first event (a subtitle) or between events (one that wrapped);
    // a 公文's salutation (各县、区人民政府:) means its dates are not a law's history.
    if (++since > 2 || isBodyLine(line) || /[:：]/u.test(line)) break;
  }
  return events;
}

/** 本法自2019年10月1日起施行 in the body: when the document came into force. */
function effectiveFromBody(text: string): { date: string } | { onIssue: true } | null {
  const m =
    /本(?:法|条例|规定|办法|细则|解释|决定|通知|意见|规则|实施细则|准则|标准|安排|批复|修正案)\S{0,20}?自(.{1,20}?)起(?:施行|实施|执行|生效)/u.exec(
      text,
    );
  if (!m) return null;
  const when = m[1] ?? "";
  if (/公布|发布|印发|颁布/u.test(when)) return { onIssue: true };
  const date = parseChineseDate(when);
  return date ? { date } : null;
}

/** The date of a 公文 standing alone near its end (成文日期, under the organ's name). */
function signatureDate(lines: readonly string[]): string | null {
  for (let i = lines.length - 1; i >= Math.max(0, lines.length - 12); i--) {
    const line = lines[i] ?? "";
    DATE.lastIndex = 0;
    const m = DATE.exec(line);
    if (m && line.replace(m[0], "").replace(/[\s()（）]/gu, "").length <= 2) return dateOf(m);
  }
  return null;
}

/** 主题词 (older 公文) or 关键词 lines: the document's subject words. */
function subjectWords(lines: readonly string[]): string[] {
  for (const line of lines) {
    const m = /^(?:主题词|关键词|主题分类)\s*[:：]\s*(.+)$/u.exec(line);
    if (m) return [...new Set((m[1] ?? "").split(/[\s,，、;；]+/u).filter(Boolean))];
  }
  return [];
}

/**
 * Metadata read from a document's text (and its file name): title, 文号,
 * issuing organs, type, dates and validity. What the text does not say is null
 * (or empty); a sidecar's values, when there is one, win over these.
 *
 * issuedOn is the date of the version the text is: a file named
 * 标题(YYYY-MM-DD) gives it; otherwise the latest event in a law's head that
 * made a version (通过, 公布, 修正, 修订 …, not 施行); otherwise a 公文's
 * 成文日期 under its signature.
 */
export function metadataFromText(text: string, fileName: string): DocumentMetadata {
  const lines = text
    .normalize("NFKC")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const fromName = fileNameParts(fileName);
  const found = findTitle(lines, fromName.title);
  const stem = basename(fileName, extname(fileName)).normalize("NFKC").trim();
  // A file whose text gives no title at all is known by its name.
  const title = found.title ?? (stem || null);
  const titleIndex = found.index;

  // The head: what precedes the body; only a 文号 there is the document's own.
  const headEnd = (() => {
    for (let i = 0; i < lines.length && i < 16; i++) {
      if (i > Math.max(titleIndex, 0) && isBodyLine(lines[i] ?? "")) return i;
    }
    return Math.min(lines.length, 16);
  })();
  const head = lines.slice(0, headEnd);

  let docNumber: string | null = null;
  for (const line of head) {
    const dated = leadingDate(line) !== null;
    const own = docNumbersIn(line).find((n) => dated || n.rest.replace(/签发人.*$/u, "").length <= 10);
    if (own) {
      docNumber = own.value;
      break;
    }
  }

  const events = headEvents(lines, Math.max(titleIndex, 0) + 1);
  const versionEvents = events.filter((e) => VERSION_EVENT.test(e.what) || !IN_FORCE_EVENT.test(e.what));
  const inForceEvent = events.find((e) => IN_FORCE_EVENT.test(e.what));
  const inForceFrom = (() => {
    for (const e of events) {
      const when = IN_FORCE_FROM.exec(e.what)?.[1];
      if (when) return /公布|发布|印发|颁布/u.test(when) ? e.date : parseChineseDate(when);
    }
    return null;
  })();

  const issuedOn =
    fromName.date ??
    (versionEvents.length ? versionEvents.reduce((a, b) => (b.date > a.date ? b : a)).date : null) ??
    signatureDate(lines);

  const bodyEffective = effectiveFromBody(text.normalize("NFKC"));
  const stated =
    inForceEvent?.date ??
    inForceFrom ??
    (bodyEffective && "date" in bodyEffective ? bodyEffective.date : bodyEffective ? issuedOn : null);
  // A revised text keeps its original's 本法自1995年9月1日起施行: that date is not this version's.
  const effectiveOn = stated && issuedOn && stated < issuedOn ? issuedOn : stated;

  const issuer = [
    ...new Set([
      ...events.flatMap((e) => organsIn(e.what)),
      ...(title ? organsOfTitle(title) : []),
      // 发文机关标志: 南宁市人民政府文件.
      ...head
        .filter((l) => l.length <= 24 && /(?:政府|委员会|部|局|院|厅|办公室)文件$/u.test(l))
        .map((l) => l.replace(/文件$/u, "")),
      ...(docNumber ? (CODE_ORGANS.find(([re]) => re.test(docNumber ?? ""))?.[1] ?? []) : []),
    ]),
  ];

  const repealed = REPEAL_TITLE.test(title ?? "") || events.some((e) => REPEAL_EVENT.test(e.what));
  // A law's head records what made it (通过, 修正…); a bare date says nothing about validity.
  const validity: Validity | null = repealed ? "已废止" : events.some((e) => e.what) ? "有效" : null;

  return {
    title,
    docNumber,
    issuer,
    docType: title ? docTypeOfTitle(title) : null,
    issuedOn,
    effectiveOn,
    validity,
    subjects: subjectWords(lines),
    category: null,
  };
}

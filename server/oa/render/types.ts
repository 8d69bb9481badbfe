/**
 * What the GB/T 9704-2012 renderer prints: the elements of a 公文 as the
 * standard names them, already decided by the workflow (numbered, signed,
 * dated). The renderer does not validate business rules (密级, who signs);
 * it lays out what it is given.
 */

import type { DocType } from "../models/document.js";

/** The 15 types of 党政机关公文处理工作条例 (2012), article 8: one list, the document model's. */
export { DOC_TYPES, type DocType } from "../models/document.js";

/**
 * 上行文 that must show 签发人 next to 发文字号 (GB/T 9704-2012 7.2.5, 7.2.6):
 * documents sent up to a superior organ.
 */
export const UPWARD_DOC_TYPES: ReadonlySet<DocType> = new Set<DocType>(["请示", "报告"]);

/**
 * Printed in the 信函格式 (GB/T 9704-2012 10.1): the organ's name instead of
 * "…文件", red double lines, the 文号 on the right, no page number on the
 * first page, a 版记 of 抄送 only.
 */
export const LETTER_DOC_TYPES: ReadonlySet<DocType> = new Set<DocType>(["函"]);

/** A calendar date: a Date (read in China Standard Time) or an ISO 8601 date or date-time string. */
export type CalendarDate = Date | string;

export interface PrintableDocument {
  /** 份号: six digits, or null when copies are not numbered. */
  copyNo: string | null;
  /** 紧急程度. */
  urgency: "特急" | "加急" | null;
  /** 发文机关标志, e.g. 南宁市人民政府文件. */
  issuerMark: string;
  /** 发文字号, e.g. 南府发〔2006〕12号; null while unnumbered (rendered as a draft). */
  docNumber: string | null;
  /** 签发人 names, printed beside 发文字号 for 上行文 (请示, 报告) only. */
  signers: string[];
  docType: DocType;
  /** 标题. */
  title: string;
  /** 主送机关 (without the closing colon, which the renderer adds). */
  mainRecipients: string;
  /** 正文 as sanitised HTML: p, br, strong/b, em/i, u, h1–h4, ol/ul/li, table/tr/td/th, blockquote. */
  bodyHtml: string;
  /** 附件说明: the attachments' names, in order, without numbers or closing punctuation. */
  attachments: string[];
  /** 发文机关署名. */
  signatureOrg: string;
  /** 成文日期; null in a draft not yet dated. */
  writtenOn: CalendarDate | null;
  /** 附注 (without the parentheses, which the renderer adds), or null. */
  note: string | null;
  /** 抄送机关, in order. */
  cc: string[];
  /** 印发机关, or null when the document has no 版记. */
  printedBy: string | null;
  /** 印发日期; null while not yet printed. */
  printedOn: CalendarDate | null;
  /** Adds a 草稿 watermark to every page (implied when docNumber is null). */
  draft?: boolean;
}

export interface RenderResult {
  pages: number;
  bytes: number;
}

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { escapeHtml } from "./html.js";
import type { PrintableDocument } from "./types.js";

/** The corpus sits beside the repository (../shared), on a developer's machine as in CI. */
export const SAMPLE_LAW = fileURLToPath(
  new URL("../../../../shared/corpus/laws/行政法规/全国农业普查条例(2006-08-23).md", import.meta.url),
);

export interface LawText {
  title: string;
  /** Chapter headings (第一章 总则) and articles, in order. */
  paragraphs: { heading: boolean; text: string }[];
}

/** A law of the corpus: its title, then after the <!-- INFO END --> marker chapters (## …) and paragraphs. */
export function parseLaw(markdown: string): LawText {
  const lines = markdown.split(/\r?\n/);
  const title = (lines.find((l) => l.startsWith("# ")) ?? "").replace(/^#\s+/, "").trim();
  const start = lines.findIndex((l) => l.includes("INFO END"));
  const paragraphs = lines
    .slice(start + 1)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => (l.startsWith("#") ? { heading: true, text: l.replace(/^#+\s*/, "") } : { heading: false, text: l }));
  return { title, paragraphs };
}

/** Chapters as first-level headings (黑体), articles as paragraphs. */
export function lawToHtml(law: LawText): string {
  return law.paragraphs
    .map((p) => (p.heading ? `<h1>${escapeHtml(p.text)}</h1>` : `<p>${escapeHtml(p.text)}</p>`))
    .join("\n");
}

/**
 * A 通知 of the Nanning municipal government passing on a State Council
 * regulation, with every element of GB/T 9704-2012 that a 下行文 has.
 */
export function sampleNotice(law: LawText): PrintableDocument {
  return {
    copyNo: "000128",
    urgency: "特急",
    issuerMark: "南宁市人民政府文件",
    docNumber: "南府发〔2006〕12号",
    signers: [],
    docType: "通知",
    title: `南宁市人民政府关于认真贯彻执行《${law.title}》的通知`,
    mainRecipients: "各县、区人民政府，市人民政府各组成部门、各直属机构",
    bodyHtml: lawToHtml(law),
    attachments: [
      "南宁市第二次全国农业普查领导小组成员名单",
      "南宁市第二次全国农业普查工作方案及各县、区普查任务分解表",
    ],
    signatureOrg: "南宁市人民政府",
    writtenOn: "2006-03-07",
    note: "此件公开发布",
    cc: ["市委各部门", "市人大常委会办公厅", "市政协办公厅"],
    printedBy: "南宁市人民政府办公厅",
    printedOn: "2006-03-08",
  };
}

export async function loadSampleNotice(path = SAMPLE_LAW): Promise<PrintableDocument> {
  return sampleNotice(parseLaw(await readFile(path, "utf8")));
}

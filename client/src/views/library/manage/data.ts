import { displayIsbn, parseIsbn } from "../../../../../server/library/services/isbn";
import type { ClassNode, LicenceModel } from "@/api/library/catalogue";

/** The licence models, in the order the form offers them (server/library/models LICENCE_MODELS). */
export const LICENCE_MODELS: readonly LicenceModel[] = ["copies", "pool", "open"];

/** What the catalogue takes as uploads (the server checks the bytes; this only filters the file picker). */
export const BOOK_ACCEPT = ".pdf,.epub,application/pdf,application/epub+zip";
export const isBookFile = (name: string) => /\.(pdf|epub)$/i.test(name);
export const COVER_ACCEPT = "image/jpeg,image/png,image/webp";

/**
 * The CSV list's columns (server/library/services/catalogueImport.ts IMPORT_COLUMNS; data.test.ts keeps the
 * two the same), each with the key of its description under library.manage.imports.columns.
 */
export const IMPORT_COLUMNS = [
  "file",
  "title",
  "authors",
  "publisher",
  "year",
  "isbn",
  "language",
  "subjects",
  "summary",
  "classCode",
  "licenceModel",
  "copies",
  "titleCategory",
] as const;

/** A sample list for the import screen's download link: the columns and one row. */
export function sampleCsv(): string {
  const row = [
    "古籍/001《史記》卷一.pdf",
    "史記 卷一",
    "司馬遷",
    "中華書局",
    "1959",
    "7-101-00304-4",
    "zh-Hant",
    "紀傳體;通史",
    "",
    "K204.2",
    "copies",
    "2",
    "general",
  ];
  return `\uFEFF${IMPORT_COLUMNS.join(",")}\n${row.join(",")}\n`;
}

/**
 * Why an ISBN as typed would be refused (the server's own check, so the form and the server agree):
 * `format` or `check_digit`; null for a good one or an empty field (which clears the ISBN).
 */
export function isbnProblem(value: string): "format" | "check_digit" | null {
  if (value.trim() === "") return null;
  const parsed = parseIsbn(value);
  return parsed.ok ? null : parsed.reason;
}

/** An ISBN-13 as the catalogue shows it (978-7101003048), or nothing. */
export const showIsbn = (isbn13: string | null) => (isbn13 ? displayIsbn(isbn13) : "");

/** The class tree as el-tree-select takes it: value, label "K 历史、地理", children. */
export interface ClassOption {
  value: string;
  label: string;
  children?: ClassOption[];
}

export function classOptions(tree: readonly ClassNode[]): ClassOption[] {
  return tree.map((top) => ({
    value: top.code,
    label: `${top.code} ${top.name}`,
    children: top.children.length
      ? top.children.map((c) => ({ value: c.code, label: `${c.code} ${c.name}` }))
      : undefined,
  }));
}

/** Bytes as people read them. */
export function fileSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** A list typed in one field (authors, subjects): separated by ; or new lines, as the server's forms split it. */
export const splitList = (text: string) =>
  text
    .split(/[;；\n]/)
    .map((v) => v.trim())
    .filter(Boolean);

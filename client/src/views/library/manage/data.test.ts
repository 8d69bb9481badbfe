import { beforeAll, describe, expect, it } from "vitest";
import { i18n, loadLocaleMessages, SUPPORTED_LOCALES } from "@/locales";
import {
  IMPORT_COLUMNS as SERVER_COLUMNS,
  parseImportCsv,
} from "../../../../../server/library/services/catalogueImport";
import { patchFields } from "../../../../../server/library/services/titleUploads";
import { classOptions, IMPORT_COLUMNS, isbnProblem, sampleCsv, splitList } from "./data";

beforeAll(async () => {
  for (const locale of SUPPORTED_LOCALES) await loadLocaleMessages(locale);
});

describe("the batch import's CSV as the screen describes it", () => {
  it("lists the server's columns, each described in every language", () => {
    expect([...IMPORT_COLUMNS]).toEqual([...SERVER_COLUMNS]);
    for (const locale of SUPPORTED_LOCALES) {
      for (const column of IMPORT_COLUMNS) {
        expect(i18n.global.te(`library.manage.imports.columns.${column}`, locale), `${locale} ${column}`).toBe(true);
      }
    }
  });

  it("offers a sample the server reads, whose row has valid fields", () => {
    const rows = parseImportCsv(sampleCsv());
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ line: 2, file: "古籍/001《史記》卷一.pdf", classCode: "K204.2" });
    const { file: _file, line: _line, ...fields } = rows[0]!;
    expect(patchFields(fields)).toMatchObject({ isbn: "9787101003048", copies: 2, authors: ["司馬遷"] });
  });
});

describe("the title form", () => {
  it("checks an ISBN as the server does: 10 or 13 digits, by its check digit; empty clears it", () => {
    expect(isbnProblem("7-101-00304-4")).toBeNull();
    expect(isbnProblem("978-7-101-00304-8")).toBeNull();
    expect(isbnProblem("")).toBeNull();
    expect(isbnProblem("978-7-101-00304-9")).toBe("check_digit");
    expect(isbnProblem("7-101-00304-5")).toBe("check_digit");
    expect(isbnProblem("12345")).toBe("format");
    for (const locale of SUPPORTED_LOCALES) {
      for (const problem of ["format", "check_digit"]) {
        expect(i18n.global.te(`library.manage.form.isbn_${problem}`, locale), `${locale} ${problem}`).toBe(true);
      }
    }
  });

  it("offers the class tree with code and name, second-level classes under their top class", () => {
    const options = classOptions([
      { code: "I", name: "文学", count: 2, children: [{ code: "I2", name: "中国文学", count: 2 }] },
      { code: "Z", name: "综合性图书", count: 0, children: [] },
    ]);
    expect(options).toEqual([
      { value: "I", label: "I 文学", children: [{ value: "I2", label: "I2 中国文学" }] },
      { value: "Z", label: "Z 综合性图书", children: undefined },
    ]);
  });

  it("splits a list typed in one field as the server's forms do", () => {
    expect(splitList("司馬遷；裴駰; \n張守節")).toEqual(["司馬遷", "裴駰", "張守節"]);
  });
});

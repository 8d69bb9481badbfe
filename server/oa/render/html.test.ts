import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { htmlToBlocks, runsText, type ParagraphBlock } from "./html.js";
import { lawToHtml, parseLaw, SAMPLE_LAW } from "./sample.js";

const paragraphs = (html: string) => htmlToBlocks(html).filter((b): b is ParagraphBlock => b.kind === "paragraph");

describe("htmlToBlocks", () => {
  it("keeps a regulation's chapters and articles in order, chapters as first-level headings", async () => {
    const law = parseLaw(await readFile(SAMPLE_LAW, "utf8"));
    const blocks = paragraphs(lawToHtml(law));
    expect(blocks.map((b) => runsText(b.runs))).toEqual(law.paragraphs.map((p) => p.text));
    expect(blocks.filter((b) => b.level === 1).map((b) => runsText(b.runs))).toEqual([
      "第一章 总则",
      "第二章 农业普查的对象、范围和内容",
      "第三章 农业普查的组织实施",
      "第四章 数据处理和质量控制",
      "第五章 数据公布、资料管理和开发应用",
      "第六章 表彰和处罚",
      "第七章 附则",
    ]);
  });

  it("collapses whitespace as a browser does, dropping source line breaks between Chinese characters", () => {
    const [p] = paragraphs("<p>　　第一条  为了科学、\n  有效地组织实施\n全国农业普查，according   to\nthe law。 </p>");
    // The pasted indent of two ideographic spaces goes (the layout indents), a space typed between words stays.
    expect(runsText(p!.runs)).toBe("第一条 为了科学、有效地组织实施全国农业普查，according to the law。");
  });

  it("turns <br> into forced breaks and headings h1–h4 into the four levels", () => {
    const blocks = paragraphs(
      "<h1>一、总体要求</h1><h2>（一）指导思想</h2><h3>1. 目标</h3><h4>（1）任务</h4><p>甲<br>乙</p>",
    );
    expect(blocks.map((b) => b.level)).toEqual([1, 2, 3, 4, 0]);
    expect(runsText(blocks[4]!.runs)).toBe("甲\n乙");
  });

  it("keeps bold and underline as runs and decodes character references", () => {
    const [p] = paragraphs("<p>根据<strong>国务院</strong>部署，<u>12月31日</u>&lt;前&gt;&amp;</p>");
    expect(p!.runs.map((r) => [r.text, r.bold, r.underline])).toEqual([
      ["根据", false, false],
      ["国务院", true, false],
      ["部署，", false, false],
      ["12月31日", false, true],
      ["<前>&", false, false],
    ]);
  });

  it("numbers ordered list items, indents nested lists and block quotes", () => {
    const blocks = paragraphs(
      '<ol start="3"><li>甲</li><li>乙<ul><li>丙</li></ul></li></ol><blockquote><p>引文</p></blockquote>',
    );
    expect(blocks.map((b) => [runsText(b.runs), b.indent])).toEqual([
      ["3.甲", 0],
      ["4.乙", 0],
      ["•丙", 2],
      ["引文", 2],
    ]);
  });

  it("reads tables into rows of cells with header cells and column spans", () => {
    const blocks = htmlToBlocks(
      `<table>
         <tr><th>项目</th><th colspan="2">金额</th></tr>
         <tr><td>补贴</td><td>320</td><td><p>按人</p><p>计算</p></td></tr>
       </table><p>后文</p>`,
    );
    expect(blocks).toHaveLength(2);
    const table = blocks[0]!;
    expect(table.kind).toBe("table");
    if (table.kind !== "table") return;
    expect(table.rows.map((r) => r.map((c) => [runsText(c.runs), c.header, c.colSpan]))).toEqual([
      [
        ["项目", true, 1],
        ["金额", true, 2],
      ],
      [
        ["补贴", false, 1],
        ["320", false, 1],
        ["按人\n计算", false, 1],
      ],
    ]);
  });

  it("drops empty paragraphs, scripts and styles, and survives broken markup", () => {
    const blocks = paragraphs("<p></p><p> <br> </p><script>alert(1)</script><style>p{}</style><p>正文<b>未闭合");
    expect(blocks.map((b) => runsText(b.runs))).toEqual(["正文未闭合"]);
  });
});

import { describe, expect, it } from "vitest";
import { htmlToText, markdownToText, normaliseText } from "./text.js";

describe("normaliseText", () => {
  it("folds Kangxi radicals and full-width forms into the characters people type", () => {
    // ⼈ U+2F08, ⼤ U+2F24, ⽂ U+2F42: how the books' text layers spell 人, 大, 文.
    expect(normaliseText("⼈⺠⼤會 ⽂件")).toBe("人⺠大會 文件");
    expect(normaliseText("ＧＢ／Ｔ　９７０４－２０１２")).toBe("GB/T 9704-2012");
  });

  it("removes NUL and other control characters but keeps tabs and line breaks", () => {
    expect(normaliseText("a\u0000b\u0001c\td\r\ne\rf\u0085g\u200B\uFEFFh\u007F\u009F")).toBe("abc\td\ne\nf\ngh");
  });

  it("keeps one blank line between paragraphs and none at either end", () => {
    expect(normaliseText("\n\n  \n第一条 \n\n \n\t\n\n第二条\n\n\n")).toBe("第一条\n\n第二条");
  });

  it("leaves indentation inside a line alone", () => {
    expect(normaliseText("　　第一条　为了")).toBe("  第一条 为了");
  });
});

describe("markdownToText", () => {
  it("keeps the words and drops the syntax", () => {
    const markdown = [
      "# 中华人民共和国检察官法 #",
      "<!-- INFO END -->",
      "## 第一章 总 则",
      '> 第一条 为了**全面推进**高素质检察官队伍建设,见[《宪法》](https://flk.npc.gov.cn/ "国家法律法规数据库")和![图](a.png)。',
      "- 第一项 _依法_ 履行 `职责`",
      "1. 第二项 ~~删除~~ \\*不是强调\\*",
      "",
      "| 文号 | 机关 |",
      "| --- | :---: |",
      "| 法释〔2024〕3号 | 最高人民法院 |",
      "***",
      "[1]: https://example.org/",
      "```",
      "# 代码里的井号",
      "```",
    ].join("\n");
    expect(markdownToText(markdown).split("\n")).toEqual([
      "中华人民共和国检察官法",
      "",
      "第一章 总 则",
      "第一条 为了全面推进高素质检察官队伍建设,见《宪法》和图。",
      "第一项 依法 履行 职责",
      "第二项 删除 *不是强调*",
      "",
      "文号\t机关",
      "法释〔2024〕3号\t最高人民法院",
      "# 代码里的井号",
    ]);
  });

  it("removes a comment that spans lines", () => {
    expect(markdownToText("甲<!-- 注释\n第二行 -->乙")).toBe("甲乙");
  });
});

describe("htmlToText", () => {
  it("reads a page as a browser shows it, broken markup included", () => {
    const page =
      "<!DOCTYPE html><html><head><title>关于 做好\n防汛工作的通知</title><style>p{}</style>" +
      "<script>if (a < b) document.write('<p>不是正文</p>')</script></head><body>" +
      "<p>第一段<p>第二段<br>换行 &hellip;&mdash;&ensp;完" +
      '<a title="a>b" href="#">链接</a><!-- <p>注释</p> -->' +
      "<table><tr><td>序号</td><td>单位</td></tr><tr><td>1<td>教育局</table>" +
      "<pre>  保留\n    缩进</pre></body></html>";
    expect(htmlToText(page).split("\n")).toEqual([
      "关于 做好 防汛工作的通知",
      "",
      "第一段",
      "",
      "第二段",
      "换行 …—\u2002完链接",
      "",
      "序号\t单位",
      "",
      "1\t教育局",
      "",
      "保留",
      "缩进",
    ]);
  });

  it("decodes numeric and named references and leaves unknown ones as written", () => {
    expect(htmlToText("<p>&#20154;&#x6C11; &amp;&nbsp;&copy; &bogus; &#0;</p>")).toBe("人民 &\u00A0© &bogus; \uFFFD");
  });
});

describe("Chinese punctuation", () => {
  it("keeps the full-width marks Chinese prose is written with, folding everything else", () => {
    expect(normaliseText("第一条，为了规范（试行）：是否？是！；ＡＢ１２")).toBe(
      "第一条，为了规范（试行）：是否？是！；AB12",
    );
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LAWS_DIR } from "./suite.js";
import { findMarks, normalise, normaliseWithMap, parseQuery, snippet, tokens } from "./analysis.js";

const law = readFileSync(join(LAWS_DIR, "司法解释", "人民法院在线诉讼规则(2021-06-16).md"), "utf8");

describe("normalise", () => {
  it("folds widths, Kangxi radicals and case, and turns Traditional into Simplified", () => {
    expect(normalise("資治通鑑 國務院 條例")).toBe("资治通鉴 国务院 条例");
    expect(normalise("ＧＢ／Ｔ　９７０４－２０１２")).toBe("gb/t 9704-2012");
    expect(normalise("⼈民⽇报")).toBe("人民日报");
    expect(normalise(law)).toBe(normalise(normalise(law)));
  });

  it("maps every normalised unit back to the characters it came from", () => {
    const original = "Ａ㍻e\u0301條";
    const mapped = normaliseWithMap(original);
    expect(mapped.text).toBe("a平成é条");
    const back = [...mapped.text].map((_, i) => original.slice(mapped.starts[i], mapped.ends[i]));
    expect(back).toEqual(["Ａ", "㍻", "㍻", "e\u0301", "條"]);
  });
});

describe("tokens", () => {
  it("gives CJK bigrams with each run's last character, and words for Latin and digits", () => {
    expect(tokens("教育局")).toEqual(["教育", "育局", "局"]);
    expect(tokens("局")).toEqual(["局"]);
    expect(tokens("GB/T 9704-2012")).toEqual(["gb", "t", "9704", "2012"]);
    expect(tokens("自2006年起施行")).toEqual(["自", "2006", "年起", "起施", "施行", "行"]);
  });

  it("reads a CJK run on across a line wrap, not across an indented new paragraph or other text", () => {
    expect(tokens("人民\n政府")).toEqual(["人民", "民政", "政府", "府"]);
    expect(tokens("人民 \r\n政府")).toEqual(["人民", "民政", "政府", "府"]);
    expect(tokens("人民\n  政府")).toEqual(["人民", "民", "政府", "府"]);
    expect(tokens("人民。\n政府")).toEqual(["人民", "民", "政府", "府"]);
    expect(tokens("人民\n\n政府")).toEqual(["人民", "民", "政府", "府"]);
    expect(tokens("GB\nT")).toEqual(["gb", "t"]);
  });

  it("gives one token per CJK character of a real law", () => {
    const cjk = [...normalise(law)].filter((ch) => /\p{Script=Han}/u.test(ch)).length;
    expect(tokens(law).filter((token) => /\p{Script=Han}/u.test(token))).toHaveLength(cjk);
  });
});

describe("parseQuery", () => {
  it("makes each space-separated or quoted part one phrase", () => {
    const terms = parseQuery('中华人民共和国　"GB/T 9704" 税');
    expect(terms.map((term) => term.tokens.map((token) => token.text + (token.prefix ? "*" : "")))).toEqual([
      ["中华", "华人", "人民", "民共", "共和", "和国"],
      ["gb", "t", "9704"],
      ["税*"],
    ]);
  });

  it("ends a phrase on a single CJK character with a prefix token, and keeps the run's last character before a word", () => {
    expect(parseQuery("2006年")[0]!.tokens).toEqual([
      { text: "2006", prefix: false },
      { text: "年", prefix: true },
    ]);
    expect(parseQuery("年度2006")[0]!.tokens.map((token) => token.text)).toEqual(["年度", "度", "2006"]);
  });

  it("reads query syntax of the engines as plain text", () => {
    expect(parseQuery('*) NEAR( "" OR - ^').map((term) => term.text)).toEqual(["near(", "or"]);
    expect(parseQuery("*** ---")).toEqual([]);
  });
});

describe("marks and snippets", () => {
  it("marks matches on the original text, whatever its width or script", () => {
    const text = "根據《國務院關於ＧＢ／Ｔ　９７０４的通知》，自2006年起施行，gbx 不算。";
    const marks = findMarks(text, parseQuery('国务院 "gb/t 9704" 2006年 gb'));
    expect(marks.map(([start, end]) => text.slice(start, end))).toEqual(["國務院", "ＧＢ／Ｔ　９７０４", "2006年"]);
  });

  it("takes the snippet around the first match in the body", () => {
    const terms = parseQuery("在线诉讼 平台");
    const result = snippet(law, terms);
    expect(result.text.length).toBeLessThanOrEqual(121);
    expect(result.marks.length).toBeGreaterThan(0);
    const first = law.indexOf("在线诉讼");
    expect(law.indexOf(result.text)).toBeLessThanOrEqual(first);
    for (const [start, end] of result.marks) expect(["在线诉讼", "平台"]).toContain(result.text.slice(start, end));
  });
});

import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { extractText } from "./extract.js";
import { canonicalDocNumber, docTypeOfTitle, metadataFromText, parseChineseDate } from "./metadata.js";
import { markdownToText, normaliseText } from "./text.js";

const LAWS = fileURLToPath(new URL("../../shared/corpus/laws/", import.meta.url));

async function law(path: string) {
  const text = (await extractText(join(LAWS, path))).text;
  return { text, meta: metadataFromText(text, basename(path)) };
}

describe("canonicalDocNumber", () => {
  it.each([
    ["法释〔2024〕3号", "法释〔2024〕3号"],
    ["国发〔1985〕12号", "国发〔1985〕12号"],
    ["南府发[2006]12号", "南府发〔2006〕12号"],
    ["南府发(2006)12号", "南府发〔2006〕12号"],
    ["南府发（2006）12号", "南府发〔2006〕12号"],
    ["南府发【2006】12号", "南府发〔2006〕12号"],
    ["南府发［2006］12号", "南府发〔2006〕12号"],
    ["南府发〔２００６〕１２号", "南府发〔2006〕12号"],
    [" 国办发 [ 2019 ] 第 3 号 ", "国办发〔2019〕3号"],
    ["高检发释字〔2025〕1号", "高检发释字〔2025〕1号"],
    ["桂政办发〔2021〕007号", "桂政办发〔2021〕7号"],
  ])("%s → %s", (input, expected) => {
    expect(canonicalDocNumber(input)).toBe(expected);
  });

  it.each(["国发〔85〕12号", "2006年12号", "南府发〔2006〕", "见国发〔1985〕12号", "〔2006〕12号", "国发12号"])(
    "%s is not a 文号",
    (input) => {
      expect(canonicalDocNumber(input)).toBeNull();
    },
  );
});

describe("parseChineseDate", () => {
  it.each([
    ["1985年3月7日", "1985-03-07"],
    ["2018年12月29日 第十三届全国人民代表大会常务委员会第七次会议修正", "2018-12-29"],
    ["一九八三年五月十日", "1983-05-10"],
    ["二〇〇六年三月七日", "2006-03-07"],
    ["二○○六年十二月二十一日", "2006-12-21"],
    ["二零一九年十月一日", "2019-10-01"],
    ["一九九九年十一月三十日", "1999-11-30"],
    ["二〇二〇年二月二十九日", "2020-02-29"],
    ["二〇〇〇年廿月", null],
    ["2019年2月29日", null],
    ["一九八三年十三月一日", null],
    ["１９８５年３月７日", "1985-03-07"],
  ])("%s → %s", (input, expected) => {
    expect(parseChineseDate(input)).toBe(expected);
  });
});

describe("docTypeOfTitle", () => {
  it.each([
    ["中华人民共和国检察官法", "法"],
    ["外国企业或者个人在中国境内设立合伙企业管理办法", "办法"],
    ["中华人民共和国专利法实施细则", "细则"],
    ["最高人民法院关于审理名誉权案件若干问题的解答", "解答"],
    ["刑法修正案(十二)", "修正案"],
    ["人民检察院刑事诉讼规则(试行)", "规则"],
    ["南宁市人民政府关于加强档案工作的通知", "通知"],
    ["国务院关于鼓励台湾同胞投资的规定", "规定"],
    ["劳动仲裁和劳动诉讼的攻略", null],
  ])("%s → %s", (title, type) => {
    expect(docTypeOfTitle(title)).toBe(type);
  });
});

describe("metadataFromText on the laws corpus", () => {
  it("reads a law's head: events, organ, version date, date in force", async () => {
    const { meta } = await law("宪法相关法/检察官法(2019-04-23).md");
    expect(meta).toMatchObject({
      title: "中华人民共和国检察官法",
      docNumber: null,
      issuer: ["全国人民代表大会常务委员会"],
      docType: "法",
      issuedOn: "2019-04-23",
      effectiveOn: "2019-10-01",
      validity: "有效",
    });
  });

  it("dates a law by its latest version when the file name gives no date", async () => {
    const { text } = await law("宪法相关法/检察官法(2019-04-23).md");
    expect(metadataFromText(text, "检察官法.md").issuedOn).toBe("2019-04-23");
  });

  it("reads 国务院批准 and a ministry's order, and 施行 as the date in force", async () => {
    const { meta } = await law("行政法规/外国企业或者个人在中国境内设立合伙企业管理办法(2009-11-25).md");
    expect(meta.issuer).toEqual(["国务院"]);
    expect(meta.effectiveOn).toBe("2010-03-01");
    const ministry = await law("行政法规/产品质量监督试行办法(2011-01-08).md");
    expect(ministry.meta.issuer).toEqual(["国务院", "国家标准局"]);
  });

  it("takes the 文号 under a judicial interpretation's title and its two courts", async () => {
    const { meta } = await law(
      "司法解释/最高人民法院、最高人民检察院关于办理拒不执行判决、裁定刑事案件适用法律若干问题的解释(2024-10-30).md",
    );
    expect(meta.docNumber).toBe("法释〔2024〕13号");
    expect(meta.issuer).toEqual(["最高人民法院", "最高人民检察院"]);
    expect(meta.docType).toBe("解释");
  });

  it("does not take a 文号 the body cites", async () => {
    // Line 63 cites 法释〔2004〕12号; the document has no 文号 of its own.
    const cited = await law("司法解释/最高人民法院关于人民调解协议司法确认程序的若干规定(2011-03-23).md");
    expect(cited.text).toContain("法释〔2004〕12号");
    expect(cited.meta.docNumber).toBeNull();
    // The first lines of a 批复 quote the 请示 it answers: 粤高法〔2020〕108号 is the other court's.
    const reply = await law("司法解释/最高人民法院关于新民间借贷司法解释适用范围问题的批复.md");
    expect(reply.text.split("\n").slice(0, 12).join("\n")).toContain("粤高法〔2020〕108号");
    expect(reply.meta.docNumber).toBeNull();
    expect(reply.meta.docType).toBe("批复");
  });

  it("takes the 文号 of the notice that issued a document, from its head", async () => {
    const { meta } = await law("司法解释/最高人民法院关于审理名誉权案件若干问题的解答(1993-08-07).md");
    expect(meta.docNumber).toBe("法发〔1993〕15号");
    expect(meta.issuer).toEqual(["最高人民法院"]);
  });

  it("takes the 文号 of a ministry's notice after its title, not the one the body cites", async () => {
    const markdown = await readFile(
      join(LAWS, "部门规章/人力资源社会保障部/关于职工全年月平均工作时间和工资折算问题的通知(2009-03-29).md"),
      "utf8",
    );
    const meta = metadataFromText(normaliseText(markdownToText(markdown)), "x.md");
    expect(meta.docNumber).toBe("劳社部发〔2008〕3号");
    expect(meta.docType).toBe("通知");
  });
});

describe("metadataFromText on a 公文 laid out as GB/T 9704 prescribes", () => {
  const notice = [
    "000123",
    "南宁市人民政府文件",
    "南府发[2006]12号",
    "南宁市人民政府关于进一步加强全市档案工作的",
    "通知",
    "各县、区人民政府,市政府各委、办、局,各直属机构:",
    "为贯彻落实《国务院关于加强档案工作的通知》(国发〔1985〕12号)精神,现就有关事项通知如下:",
    "一、提高认识,加强领导。",
    "本通知自印发之日起施行。",
    "南宁市人民政府",
    "二〇〇六年三月七日",
    "主题词:档案 管理 通知",
    "南宁市人民政府办公厅 2006年3月8日印发",
  ].join("\n");

  it("reads 文号, wrapped title, organ, type, 成文日期 and subject words", () => {
    expect(metadataFromText(notice, "scan-0042.pdf")).toEqual({
      title: "南宁市人民政府关于进一步加强全市档案工作的通知",
      docNumber: "南府发〔2006〕12号",
      issuer: ["南宁市人民政府"],
      docType: "通知",
      issuedOn: "2006-03-07",
      effectiveOn: "2006-03-07",
      validity: null,
      subjects: ["档案", "管理", "通知"],
      category: null,
    });
  });

  it("does not take the cited 国发〔1985〕12号 when the notice has no 文号 line", () => {
    const withoutNumber = notice.replace("南府发[2006]12号\n", "");
    expect(metadataFromText(withoutNumber, "x.pdf").docNumber).toBeNull();
  });

  it("reads a short notice with its 文号 under the title and its date at the end, claiming no validity", () => {
    const short =
      "南宁市人民政府关于做好2006年防汛工作的通知\n南府发[2006]12号\n各县、区人民政府:现就做好防汛工作通知如下。\n二〇〇六年三月七日";
    expect(metadataFromText(short, "通知.txt")).toMatchObject({
      title: "南宁市人民政府关于做好2006年防汛工作的通知",
      docNumber: "南府发〔2006〕12号",
      issuer: ["南宁市人民政府"],
      issuedOn: "2006-03-07",
      validity: null,
    });
  });

  it("takes the title from a file named 标题(YYYY-MM-DD) when the text does not start with it", () => {
    const meta = metadataFromText(
      "各县、区人民政府:\n现将有关事项通知如下。",
      "关于做好防汛工作的通知(2008-06-01).txt",
    );
    expect(meta.title).toBe("关于做好防汛工作的通知");
    expect(meta.issuedOn).toBe("2008-06-01");
    expect(meta.docType).toBe("通知");
  });
});

describe("dates after a head has been read", () => {
  it("are read from the start of the text, whatever was parsed before", () => {
    metadataFromText("1985年3月7日 国务院批准\n<!-- INFO END -->\n正文", "某条例.md");
    expect(parseChineseDate("2021年04月29日")).toBe("2021-04-29");
  });
});

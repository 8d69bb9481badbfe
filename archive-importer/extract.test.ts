import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentFormat, extractText } from "./extract.js";
import { encodeGb18030 } from "./gb18030.testing.js";
import { closePdfReaders } from "./pdfText.js";
import { ImportFileError, type ExtractedText } from "./types.js";

const CORPUS = fileURLToPath(new URL("../../shared/corpus/", import.meta.url));
const SAMPLES = join(CORPUS, "pdf-samples");
const LAW = join(CORPUS, "laws/宪法相关法/检察官法(2019-04-23).md");
/** Real Word files that mammoth ships with its tests. */
const MAMMOTH_DOCX = join(dirname(createRequire(import.meta.url).resolve("mammoth/package.json")), "test/test-data");

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "extract-"));
});
afterAll(async () => {
  await closePdfReaders();
  await rm(tmp, { recursive: true, force: true });
});

async function outcome(path: string): Promise<ExtractedText | ImportFileError> {
  try {
    return await extractText(path, { timeoutMs: 20_000 });
  } catch (error) {
    if (error instanceof ImportFileError) return error;
    throw error;
  }
}

describe("extractText on every PDF of pdf-samples", () => {
  it("gives text or an ImportFileError with a code for each, within its deadline", { timeout: 120_000 }, async () => {
    const files = (await readdir(SAMPLES)).filter((f) => f.endsWith(".pdf")).sort();
    expect(files.length).toBe(31);
    const outcomes = new Map<string, ExtractedText | ImportFileError>();
    for (const file of files) outcomes.set(file, await outcome(join(SAMPLES, file)));

    const report = [...outcomes].map(([file, o]) =>
      o instanceof ImportFileError
        ? `${file}: ${o.code}`
        : `${file}: ${o.needsOcr ? "needs OCR" : `${o.text.length} chars`}`,
    );
    console.info(report.join("\n"));

    for (const [file, o] of outcomes) {
      if (o instanceof ImportFileError) {
        expect(["encrypted", "corrupt", "timeout", "too_large", "unsupported"], file).toContain(o.code);
      } else {
        expect(o.format, file).toBe("pdf");
        expect(o.pages, file).toBeGreaterThan(0);
        expect(o.needsOcr, file).toBe(o.text === "");
      }
    }
    const password = outcomes.get("005-libreoffice-writer-password_libreoffice-writer-password.pdf");
    expect(password).toBeInstanceOf(ImportFileError);
    expect((password as ImportFileError).code).toBe("encrypted");
    // Pages that are only pictures have nothing to search until OCR.
    for (const scan of ["007-imagemagick-images_imagemagick-images.pdf", "019-grayscale-image_grayscale-image.pdf"]) {
      expect((outcomes.get(scan) as ExtractedText).needsOcr, scan).toBe(true);
    }
    const text = outcomes.get("011-google-doc-document_google-doc-document.pdf") as ExtractedText;
    expect(text.text).toContain("Beautiful is better than ugly.");
  });

  it("normalises the books' Kangxi radicals", async () => {
    const { text, pages, needsOcr } = await extractText(join(CORPUS, "books/001《資治通鑑》卷一.pdf"));
    expect(pages).toBe(23);
    expect(needsOcr).toBe(false);
    expect(text).not.toMatch(/[\u2F00-\u2FDF]/u);
    expect(text).toContain("臣光言先奉勅編集");
  });
});

describe("extractText on Markdown", () => {
  it("reads a law as text: no #, no comments, title first", async () => {
    const { text, format, pages, needsOcr } = await extractText(LAW);
    expect({ format, pages, needsOcr }).toEqual({ format: "markdown", pages: null, needsOcr: false });
    expect(text.startsWith("中华人民共和国检察官法\n\n1995年2月28日 第八届全国人民代表大会常务委员会")).toBe(true);
    expect(text).toContain("\n\n第一章 总 则\n\n第一条 为了全面推进高素质检察官队伍建设");
    expect(text).not.toMatch(/#|<!--|INFO END/u);
  });
});

describe("extractText on text files", () => {
  it("reads UTF-8 with and without a BOM and GB18030 alike", async () => {
    const markdown = await readFile(LAW, "utf8");
    const plain = markdown.replace(/<!--.*?-->\n/gu, "").replace(/^#+ /gmu, "");
    await writeFile(join(tmp, "utf8.txt"), plain);
    await writeFile(join(tmp, "bom.txt"), "\uFEFF" + plain);
    await writeFile(join(tmp, "gbk.txt"), encodeGb18030(plain.replace(/\u3000/gu, " ")));
    const utf8 = await extractText(join(tmp, "utf8.txt"));
    expect(utf8.format).toBe("text");
    expect(utf8.text).toContain("第二条 检察官是依法行使国家检察权的检察人员");
    expect((await extractText(join(tmp, "bom.txt"))).text).toBe(utf8.text);
    expect((await extractText(join(tmp, "gbk.txt"))).text).toBe(utf8.text);
  });

  it("refuses bytes that are neither UTF-8 nor GB18030", async () => {
    await writeFile(join(tmp, "binary.txt"), Buffer.from([0xff, 0xff, 0xff, 0x00, 0x81]));
    const error = await outcome(join(tmp, "binary.txt"));
    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as ImportFileError).code).toBe("corrupt");
  });
});

describe("extractText on HTML", () => {
  it("keeps the text of a page: no tags, scripts, styles or comments; references decoded", async () => {
    const html = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>中华人民共和国检察官法 &mdash; 法律法规库</title>
<style>p { color: red } .x > .y { }</style>
<script>var a = "<p>不是正文</p>"; if (a < 3 && a > 1) {}</script></head>
<body><!-- 导航 --><nav>首页 &gt; 法律</nav>
<h1 class="t" data-x='a>b'>中华人民共和国检察官法</h1>
<p>第一条&nbsp;为了全面推进高素质检察官队伍建设，加强对检察官的管理和监督，
   维护检察官合法权益&#xFF0C;保障&#20154;民检察院依法独立行使检察权。</p>
<table><tr><td>文号</td><td>主席令第27号</td></tr></table>
<pre>第二条
  检察官是依法行使国家检察权的检察人员</pre>
<p>A &amp; B &unknown; &lt;tag&gt;</p></body></html>`;
    await writeFile(join(tmp, "page.html"), html);
    const { text, format } = await extractText(join(tmp, "page.html"));
    expect(format).toBe("html");
    // One paragraph per block, a blank line between blocks as in the Markdown and DOCX texts; <pre> keeps its lines.
    expect(text.split("\n\n")).toEqual([
      "中华人民共和国检察官法 — 法律法规库",
      "首页 > 法律",
      "中华人民共和国检察官法",
      "第一条 为了全面推进高素质检察官队伍建设，加强对检察官的管理和监督， 维护检察官合法权益，保障人民检察院依法独立行使检察权。",
      "文号\t主席令第27号",
      "第二条\n检察官是依法行使国家检察权的检察人员",
      "A & B &unknown; <tag>",
    ]);
  });
});

describe("extractText on DOCX", () => {
  it("reads a Word document's paragraphs and table cells", async () => {
    const { text, format, pages } = await extractText(join(MAMMOTH_DOCX, "tables.docx"));
    expect({ format, pages }).toEqual({ format: "docx", pages: null });
    expect(text.split("\n\n")).toEqual(["Above", "Top left", "Top right", "Bottom left", "Bottom right", "Below"]);
  });

  it("reports a file that is not a Word document as corrupt, a .doc as unsupported, a protected one as encrypted", async () => {
    await copyFile(LAW, join(tmp, "not-a-zip.docx"));
    expect(((await outcome(join(tmp, "not-a-zip.docx"))) as ImportFileError).code).toBe("corrupt");
    const cfb = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, ...new Array<number>(504).fill(0)]);
    await writeFile(join(tmp, "word97.docx"), cfb);
    expect(((await outcome(join(tmp, "word97.docx"))) as ImportFileError).code).toBe("unsupported");
    await writeFile(join(tmp, "protected.docx"), Buffer.concat([cfb, Buffer.from("EncryptedPackage", "utf16le")]));
    expect(((await outcome(join(tmp, "protected.docx"))) as ImportFileError).code).toBe("encrypted");
  });
});

describe("documentFormat", () => {
  it("knows the formats by extension, in any case, and refuses others as unsupported", async () => {
    expect(["a.PDF", "b.docx", "c.htm", "d.HTML", "e.md", "f.markdown", "g.txt"].map(documentFormat)).toEqual([
      "pdf",
      "docx",
      "html",
      "html",
      "markdown",
      "markdown",
      "text",
    ]);
    await writeFile(join(tmp, "sheet.xlsx"), "x");
    expect(((await outcome(join(tmp, "sheet.xlsx"))) as ImportFileError).code).toBe("unsupported");
  });
});

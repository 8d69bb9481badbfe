import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import iconv from "iconv-lite";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { describe, expect, it } from "vitest";
import { openPart, readContent, sourcePreview, SOURCE_PREVIEW_BYTES } from "./reading.js";

const corpus = join(import.meta.dirname, "../../../../shared/corpus");
const PDF = readFileSync(join(corpus, "pdf-samples", "003-pdflatex-image_pdflatex-image.pdf"));
/** 教师法, first article: real text for the bodies. */
const ARTICLE = readFileSync(join(corpus, "laws/行政法/教师法(2009-08-27).md"), "utf8")
  .split("\n")
  .find((line) => line.startsWith("第一条"))!;

const composed = (attachments: { filename: string; content: Buffer }[]) =>
  new MailComposer({
    from: "jyj@nanning.gov.cn",
    to: "office.staff1@nanning.gov.cn",
    subject: "附件",
    text: ARTICLE,
    attachments,
  })
    .compile()
    .build();

describe("reading a stored message", () => {
  it("lists the parts with their decoded sizes, and streams one part's bytes", async () => {
    const raw = await composed([
      { filename: "说明.txt", content: Buffer.from(ARTICLE) },
      { filename: "图.pdf", content: PDF },
    ]);
    const content = await readContent(Readable.from([raw]));
    expect(content.text?.trim()).toBe(ARTICLE);
    expect(content.attachments.map((a) => [a.index, a.filename, a.size])).toEqual([
      [0, "说明.txt", Buffer.byteLength(ARTICLE)],
      [1, "图.pdf", PDF.length],
    ]);
    const opened = await openPart(Readable.from([raw]), 1);
    expect(opened?.part).toMatchObject({ filename: "图.pdf", contentType: "application/pdf" });
    expect((await buffer(opened!.stream)).equals(PDF)).toBe(true);
    expect(await openPart(Readable.from([raw]), 2)).toBeNull();
  });

  it("previews a raw source as UTF-8, or as GB18030 when it is not UTF-8", async () => {
    const gb = Buffer.concat([Buffer.from("Subject: x\r\n\r\n"), iconv.encode(ARTICLE, "gb2312")]);
    expect(await sourcePreview(Readable.from([gb]))).toEqual({
      text: `Subject: x\r\n\r\n${ARTICLE}`,
      truncated: false,
    });
    const utf8 = Buffer.from(`Subject: x\r\n\r\n${ARTICLE}`);
    expect((await sourcePreview(Readable.from([utf8]))).text).toBe(utf8.toString());
  });

  it("cuts a long source at the preview's size without reading it as another charset", async () => {
    // Three-byte characters across the cut: the one cut in half is left out, the rest stays UTF-8.
    const long = Buffer.from("教".repeat(SOURCE_PREVIEW_BYTES / 3 + 10));
    const preview = await sourcePreview(Readable.from([long.subarray(0, 1000), long.subarray(1000)]));
    expect(preview.truncated).toBe(true);
    expect(preview.text).toBe("教".repeat(Math.floor(SOURCE_PREVIEW_BYTES / 3)));
  });
});

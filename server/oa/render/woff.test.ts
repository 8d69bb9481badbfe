import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import PDFDocument from "pdfkit";
import { describe, expect, it } from "vitest";
import { WoffError, woffToSfnt } from "./woff.js";

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`@fontsource/${name}/package.json`));

/** Every WOFF slice of the renderer's three npm faces. */
async function sliceFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const [name, weights] of [
    ["noto-serif-sc", [400, 700]],
    ["noto-sans-sc", [400]],
  ] as const) {
    const dir = packageDir(name);
    const unicode = JSON.parse(await readFile(join(dir, "unicode.json"), "utf8")) as Record<string, string>;
    for (const weight of weights) {
      for (const id of Object.keys(unicode)) {
        files.push(join(dir, "files", `${name}-${id.replace(/^\[(\d+)\]$/, "$1")}-${weight}-normal.woff`));
      }
    }
  }
  return files;
}

interface TableRecord {
  tag: string;
  checksum: number;
  offset: number;
  length: number;
}

function tablesOf(sfnt: Buffer): TableRecord[] {
  const count = sfnt.readUInt16BE(4);
  return Array.from({ length: count }, (_, i) => {
    const at = 12 + 16 * i;
    return {
      tag: sfnt.toString("latin1", at, at + 4),
      checksum: sfnt.readUInt32BE(at + 4),
      offset: sfnt.readUInt32BE(at + 8),
      length: sfnt.readUInt32BE(at + 12),
    };
  });
}

/** The OpenType table checksum: the sum of its big-endian 32-bit words, zero-padded. */
function tableChecksum(data: Buffer): number {
  const padded = Buffer.alloc((data.length + 3) & ~3);
  data.copy(padded);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + padded.readUInt32BE(i)) >>> 0;
  return sum;
}

function table(sfnt: Buffer, tag: string): Buffer {
  const record = tablesOf(sfnt).find((t) => t.tag === tag);
  if (!record) throw new Error(`no ${tag} table`);
  return sfnt.subarray(record.offset, record.offset + record.length);
}

describe("woffToSfnt", () => {
  it("unwraps every slice of the three npm faces into fonts whose tables match the checksums WOFF recorded", async () => {
    const files = await sliceFiles();
    // About a hundred slices per face.
    expect(files.length).toBeGreaterThan(290);
    for (const file of files) {
      const sfnt = woffToSfnt(await readFile(file));
      expect(sfnt.readUInt32BE(0)).toBe(0x00010000);
      const tables = tablesOf(sfnt);
      expect(tables.map((t) => t.tag)).toEqual([...tables.map((t) => t.tag)].sort());
      expect(tables.map((t) => t.tag)).toEqual(expect.arrayContaining(["cmap", "glyf", "loca", "head", "hmtx"]));
      for (const t of tables) {
        expect(t.offset % 4).toBe(0);
        const data = Buffer.from(sfnt.subarray(t.offset, t.offset + t.length));
        // head's checksum is taken with its checkSumAdjustment (bytes 8–11) zeroed.
        if (t.tag === "head") data.fill(0, 8, 12);
        expect(tableChecksum(data), `${file} ${t.tag}`).toBe(t.checksum);
      }
    }
  });

  it("gives pdfkit glyph outlines to embed, not empty glyphs", async () => {
    const woff = await readFile(join(packageDir("noto-serif-sc"), "files", "noto-serif-sc-119-400-normal.woff"));
    const doc = new PDFDocument({ size: "A5", compress: false });
    const chunks: Buffer[] = [];
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise((resolve) => doc.on("end", resolve));
    doc.registerFont("slice", woffToSfnt(woff));
    // Characters of Noto Serif SC's most used slice.
    doc.font("slice").fontSize(16).text("的一，。", 40, 40);
    doc.end();
    await ended;
    const pdf = Buffer.concat(chunks);
    // The embedded font program: the stream that starts with a TrueType header (fontkit writes "true").
    const streams = [...pdf.toString("latin1").matchAll(/stream\n/g)].map((m) => (m.index ?? 0) + m[0].length);
    const start = streams.find((at) => pdf.toString("latin1", at, at + 4) === "true");
    expect(start).toBeDefined();
    const font = pdf.subarray(start!);
    const longLoca = table(font, "head").readInt16BE(50) === 1;
    const loca = table(font, "loca");
    const offsets = Array.from({ length: loca.length / (longLoca ? 4 : 2) }, (_, i) =>
      longLoca ? loca.readUInt32BE(4 * i) : 2 * loca.readUInt16BE(2 * i),
    );
    // .notdef and the four characters, each with an outline of its own.
    expect(offsets).toHaveLength(6);
    for (let gid = 1; gid <= 4; gid++) expect(offsets[gid + 1]! - offsets[gid]!).toBeGreaterThan(20);
  });

  it("refuses what is not WOFF, or is cut short", async () => {
    const woff = await readFile(join(packageDir("noto-sans-sc"), "files", "noto-sans-sc-119-400-normal.woff"));
    expect(() => woffToSfnt(woffToSfnt(woff))).toThrow(WoffError);
    expect(() => woffToSfnt(woff.subarray(0, woff.length - 100))).toThrow(WoffError);
    expect(() => woffToSfnt(woff.subarray(0, 60))).toThrow(WoffError);
  });
});

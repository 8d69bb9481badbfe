import { inflateSync } from "node:zlib";

/**
 * WOFF 1.0 (W3C, 2012) back to the TrueType/OpenType file it wraps. The
 * renderer's npm fonts are WOFF slices; fontkit opens WOFF itself, but
 * inflates tables with tiny-inflate, which rejects some of these slices'
 * zlib streams (Noto Sans SC's slice 101 cmap: "Data error", swallowed by
 * fontkit, so the font silently has no cmap). Node's zlib reads them all,
 * and pdfkit then embeds a plain sfnt. (The packages' WOFF2 files are no
 * way round this: their glyf/loca tables are stored transformed, which
 * fontkit reads but cannot subset for a PDF — the glyphs come out blank.)
 */

const WOFF_SIGNATURE = 0x774f4646; // "wOFF"
const HEADER_SIZE = 44;
const ENTRY_SIZE = 20;

export class WoffError extends Error {
  constructor(message: string) {
    super(`Not a usable WOFF file: ${message}`);
    this.name = "WoffError";
  }
}

interface Table {
  tag: number;
  checksum: number;
  data: Buffer;
}

export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.length < HEADER_SIZE || woff.readUInt32BE(0) !== WOFF_SIGNATURE) throw new WoffError("no wOFF signature");
  const flavor = woff.readUInt32BE(4);
  const numTables = woff.readUInt16BE(12);
  if (HEADER_SIZE + numTables * ENTRY_SIZE > woff.length) throw new WoffError("table directory past the end");
  const tables: Table[] = [];
  for (let i = 0; i < numTables; i++) {
    const at = HEADER_SIZE + i * ENTRY_SIZE;
    const tag = woff.readUInt32BE(at);
    const offset = woff.readUInt32BE(at + 4);
    const compLength = woff.readUInt32BE(at + 8);
    const origLength = woff.readUInt32BE(at + 12);
    const checksum = woff.readUInt32BE(at + 16);
    if (offset + compLength > woff.length || compLength > origLength) throw new WoffError(`table ${i} out of bounds`);
    const stored = woff.subarray(offset, offset + compLength);
    // A table is stored as it is when compressing did not make it smaller.
    const data = compLength < origLength ? inflateSync(stored) : stored;
    if (data.length !== origLength) throw new WoffError(`table ${i} inflates to ${data.length}, not ${origLength}`);
    tables.push({ tag, checksum, data });
  }
  // The sfnt's directory is sorted by tag (WOFF requires its own to be, but a reader should not rely on it).
  tables.sort((a, b) => a.tag - b.tag);
  const padded = (n: number) => (n + 3) & ~3;
  const headerSize = 12 + 16 * numTables;
  const size = tables.reduce((sum, t) => sum + padded(t.data.length), headerSize);
  const out = Buffer.alloc(size);
  const power = numTables > 0 ? 2 ** Math.floor(Math.log2(numTables)) : 0;
  out.writeUInt32BE(flavor, 0);
  out.writeUInt16BE(numTables, 4);
  out.writeUInt16BE(power * 16, 6);
  out.writeUInt16BE(power > 0 ? Math.log2(power) : 0, 8);
  out.writeUInt16BE(numTables * 16 - power * 16, 10);
  let offset = headerSize;
  tables.forEach((table, i) => {
    const record = 12 + 16 * i;
    out.writeUInt32BE(table.tag, record);
    out.writeUInt32BE(table.checksum, record + 4);
    out.writeUInt32BE(offset, record + 8);
    out.writeUInt32BE(table.data.length, record + 12);
    table.data.copy(out, offset);
    offset += padded(table.data.length);
  });
  return out;
}

export type TextEncoding = "utf-8" | "gb18030" | "utf-16le" | "utf-16be";

const BOMS: [TextEncoding, number[]][] = [
  ["utf-8", [0xef, 0xbb, 0xbf]],
  ["utf-16le", [0xff, 0xfe]],
  ["utf-16be", [0xfe, 0xff]],
];

/**
 * Reads a text file's bytes as Chinese offices write them. A BOM says the
 * encoding (Excel's "CSV UTF-8", Notepad's "Unicode" as UTF-16). Without one,
 * strict UTF-8 is tried first (GBK text with Chinese in it is practically never
 * valid UTF-8), then GB18030, a superset of GBK and GB2312, the code page of
 * Chinese Windows. Returns null for bytes that are neither, rather than text
 * full of replacement characters.
 */
export function decodeTextBytes(bytes: Uint8Array): { text: string; encoding: TextEncoding } | null {
  for (const [encoding, bom] of BOMS) {
    if (bom.every((b, i) => bytes[i] === b)) {
      try {
        return { text: new TextDecoder(encoding, { fatal: true }).decode(bytes.subarray(bom.length)), encoding };
      } catch {
        return null;
      }
    }
  }
  for (const encoding of ["utf-8", "gb18030"] as const) {
    try {
      return { text: new TextDecoder(encoding, { fatal: true }).decode(bytes), encoding };
    } catch {
      // Not this encoding; try the next.
    }
  }
  return null;
}

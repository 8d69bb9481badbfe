/**
 * GB18030 bytes for a text, for tests: Node decodes GB18030 but has no encoder,
 * so the two-byte table is read back from the decoder. Characters outside it
 * (four-byte codes) are refused.
 */
export function encodeGb18030(text: string): Buffer {
  const decoder = new TextDecoder("gb18030");
  const table = new Map<string, number[]>();
  for (let a = 0x81; a <= 0xfe; a++) {
    for (let b = 0x40; b <= 0xfe; b++) {
      if (b === 0x7f) continue;
      const ch = decoder.decode(Uint8Array.of(a, b));
      if (ch.length === 1 && !table.has(ch)) table.set(ch, [a, b]);
    }
  }
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code < 0x80) bytes.push(code);
    else {
      const pair = table.get(ch);
      if (!pair) throw new Error(`no two-byte GB18030 code for ${ch}`);
      bytes.push(...pair);
    }
  }
  return Buffer.from(bytes);
}

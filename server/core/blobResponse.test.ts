import { describe, expect, it } from "vitest";
import { parseRange } from "./blobResponse.js";

describe("parseRange", () => {
  const size = 1000;

  it("reads one range: both ends, an open end, the last N bytes", () => {
    expect(parseRange("bytes=0-99", size)).toEqual({ start: 0, end: 99 });
    expect(parseRange("bytes=900-", size)).toEqual({ start: 900, end: 999 });
    expect(parseRange("bytes=-100", size)).toEqual({ start: 900, end: 999 });
    expect(parseRange("bytes=999-999", size)).toEqual({ start: 999, end: 999 });
    expect(parseRange("Bytes = 10 - 19", size)).toEqual({ start: 10, end: 19 });
  });

  it("clips an end past the file, as pdf.js's last chunk asks", () => {
    expect(parseRange("bytes=950-1999", size)).toEqual({ start: 950, end: 999 });
    expect(parseRange("bytes=-5000", size)).toEqual({ start: 0, end: 999 });
  });

  it("is unsatisfiable when the range starts past the end, or asks for no bytes", () => {
    expect(parseRange("bytes=1000-", size)).toBe("unsatisfiable");
    expect(parseRange("bytes=5000-6000", size)).toBe("unsatisfiable");
    expect(parseRange("bytes=-0", size)).toBe("unsatisfiable");
    expect(parseRange("bytes=0-", 0)).toBe("unsatisfiable");
  });

  it("answers the whole file for no range, several ranges, other units and malformed ones", () => {
    for (const header of [
      undefined,
      "",
      "bytes=0-1,5-6",
      "items=0-5",
      "bytes=-",
      "bytes=abc-def",
      "bytes=500-100",
      "bytes=0-99 junk",
    ]) {
      expect(parseRange(header, size), String(header)).toBeNull();
    }
  });
});

import { describe, expect, it } from "vitest";
import { AppError } from "./errors.js";
import { safeUploadPath } from "./multipart.js";

describe("safeUploadPath", () => {
  it("keeps a folder's relative paths, read with either separator", () => {
    expect(safeUploadPath("法规/宪法/宪法.md")).toBe("法规/宪法/宪法.md");
    expect(safeUploadPath("法规\\宪法\\宪法.md")).toBe("法规/宪法/宪法.md");
    expect(safeUploadPath("/./a//b.txt")).toBe("a/b.txt");
    // Decomposed (macOS) names are stored composed, so the same name is one path.
    expect(safeUploadPath("a/cafe\u0301.txt")).toBe("a/caf\u00e9.txt");
  });

  it("refuses names that climb out, hide control characters or cannot be written everywhere", () => {
    for (const name of [
      "",
      "/",
      "../x",
      "a/../../x",
      "a\\..\\x",
      "a/b\u0000.txt",
      "a/b\u001b.txt",
      "a/b:c",
      "a/<b>",
      "x".repeat(256),
      "a/".repeat(40) + "b",
    ]) {
      expect(() => safeUploadPath(name), JSON.stringify(name)).toThrow(AppError);
    }
  });
});

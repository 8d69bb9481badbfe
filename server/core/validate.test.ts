import { describe, expect, it } from "vitest";
import { z } from "zod";
import { nameText, plainText } from "./validate.js";
import { validationError } from "./errors.js";

function codeOf(schema: z.ZodType, value: unknown): string {
  const result = schema.safeParse(value);
  return result.success ? "ok" : validationError(result.error).code;
}

describe("shared text checks", () => {
  it("refuses C0, DEL and C1 controls on one line and lets tab and newlines through in multi-line text", () => {
    for (const bad of ["a\u0000b", "a\tb", "a\nb", "a\rb", "a\u001Bb", "a\u007Fb", "a\u0085b", "a\u2028b"]) {
      expect(codeOf(plainText(), bad), JSON.stringify(bad)).toBe("control_characters");
    }
    expect(codeOf(plainText({ multiline: true }), "line 1\r\n\tline 2\nline 3")).toBe("ok");
    for (const bad of ["a\u0000b", "a\rb", "a\u000Bb", "a\u009Fb"]) {
      expect(codeOf(plainText({ multiline: true }), bad), JSON.stringify(bad)).toBe("control_characters");
    }
    expect(codeOf(plainText(), "普通文字 with ‘quotes’ and emoji 😀")).toBe("ok");
  });

  it("refuses bidi controls and zero-width characters in names, but not in free text", () => {
    const bidi = ["\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069", "\u200F"];
    const zeroWidth = ["\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF"];
    for (const ch of [...bidi, ...zeroWidth]) {
      expect(codeOf(nameText().trim().min(1), `张${ch}三`), ch.codePointAt(0)?.toString(16)).toBe(
        "invisible_characters",
      );
    }
    expect(codeOf(plainText(), "张\u200B三")).toBe("ok");
    expect(codeOf(nameText().trim().min(1).max(64), " 欧阳 娜娜 ")).toBe("ok");
  });

  it("reports one issue per field: the characters, not the length or format of the same text", () => {
    const result = z
      .object({
        username: nameText()
          .min(2)
          .regex(/^[a-z]+$/),
      })
      .safeParse({ username: "\u0000" });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(validationError(result.error).details).toEqual([
      { path: "username", message: "must not contain control characters", code: "control_characters" },
    ]);
  });
});

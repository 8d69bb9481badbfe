import { pinyin } from "pinyin-pro";

/** Full pinyin ("zhangwei") and initials ("zw") of a name, for directory search. */
export function pinyinKeys(name: string): { pinyin: string; pinyinInitials: string } {
  const syllables = pinyin(name, { toneType: "none", type: "array", surname: "head", nonZh: "consecutive" });
  const clean = (parts: string[]) =>
    parts
      .join("")
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "");
  return {
    pinyin: clean(syllables).slice(0, 255),
    pinyinInitials: clean(syllables.map((s) => s.charAt(0))).slice(0, 64),
  };
}

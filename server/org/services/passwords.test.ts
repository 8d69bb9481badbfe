import { describe, expect, it } from "vitest";
import { checkPasswordPolicy, generatePassword, hashPassword, verifyPassword } from "./passwords.js";
import { pinyinKeys } from "./pinyin.js";

describe("password policy", () => {
  it("needs the minimum length, three character classes, and not the username", () => {
    expect(checkPasswordPolicy("Abcdef1!", "zhang", 8)).toEqual([]);
    expect(checkPasswordPolicy("Abc1!", "zhang", 8)).toEqual(["length"]);
    expect(checkPasswordPolicy("abcdefgh1", "zhang", 8)).toEqual(["classes"]);
    expect(checkPasswordPolicy("Zhang123!", "zhang", 8)).toEqual(["username"]);
    expect(checkPasswordPolicy("ZHANGWEI", "zhangwei", 8)).toEqual(["classes", "username"]);
  });

  it("generates passwords that meet the policy", () => {
    for (let i = 0; i < 200; i++) expect(checkPasswordPolicy(generatePassword(), "someone", 8)).toEqual([]);
  });
});

describe("scrypt hashes", () => {
  it("verifies the right password only, with the parameters stored in the hash", async () => {
    const hash = await hashPassword("Yong#2026ok", 10);
    expect(hash).toMatch(/^scrypt\$10\$8\$1\$/);
    expect(await verifyPassword("Yong#2026ok", hash)).toBe(true);
    expect(await verifyPassword("Yong#2026OK", hash)).toBe(false);
    expect(await verifyPassword("anything", "!")).toBe(false);
    expect(await hashPassword("Yong#2026ok", 10)).not.toBe(hash);
  });
});

describe("pinyin keys", () => {
  it("gives full pinyin and initials, with surnames read as surnames", () => {
    expect(pinyinKeys("张伟")).toEqual({ pinyin: "zhangwei", pinyinInitials: "zw" });
    expect(pinyinKeys("单雄信").pinyin).toBe("shanxiongxin");
    expect(pinyinKeys("覃桂英")).toEqual({ pinyin: "qinguiying", pinyinInitials: "qgy" });
  });
});

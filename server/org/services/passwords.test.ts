import { describe, expect, it } from "vitest";
import { randomBytes, scryptSync } from "node:crypto";
import {
  checkPasswordPolicy,
  generatePassword,
  hashPassword,
  isPasswordHash,
  needsRehash,
  verifyPassword,
} from "./passwords.js";
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

describe("password hashes", () => {
  it("verifies the right password only, with the parameters stored in the hash", async () => {
    const hash = await hashPassword("Yong#2026ok", 1024);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=1024,t=2,p=1\$/);
    expect(await verifyPassword("Yong#2026ok", hash)).toBe(true);
    expect(await verifyPassword("Yong#2026OK", hash)).toBe(false);
    expect(await verifyPassword("anything", "!")).toBe(false);
    expect(await verifyPassword("anything", "$argon2id$v=19$m=1024,t=2,p=1$!!$!!")).toBe(false);
    expect(await hashPassword("Yong#2026ok", 1024)).not.toBe(hash);
  });

  it("still verifies the scrypt hashes of earlier versions, and asks for them to be replaced", async () => {
    const salt = randomBytes(16);
    const key = scryptSync("Yong#2026ok", salt, 64, { N: 2 ** 10, r: 8, p: 1 });
    const legacy = `scrypt$10$8$1$${salt.toString("base64")}$${key.toString("base64")}`;
    expect(isPasswordHash(legacy)).toBe(true);
    expect(await verifyPassword("Yong#2026ok", legacy)).toBe(true);
    expect(await verifyPassword("Yong#2026OK", legacy)).toBe(false);
    expect(needsRehash(legacy, 1024)).toBe(true);
    expect(isPasswordHash(`scrypt$10$8$1$${salt.toString("base64")}$`)).toBe(false);
  });

  it("asks for a new hash when the configured memory changed, not otherwise", async () => {
    const hash = await hashPassword("Yong#2026ok", 1024);
    expect(needsRehash(hash, 1024)).toBe(false);
    expect(needsRehash(hash, 2048)).toBe(true);
  });
});

describe("pinyin keys", () => {
  it("gives full pinyin and initials, with surnames read as surnames", () => {
    expect(pinyinKeys("张伟")).toEqual({ pinyin: "zhangwei", pinyinInitials: "zw" });
    expect(pinyinKeys("单雄信").pinyin).toBe("shanxiongxin");
    expect(pinyinKeys("覃桂英")).toEqual({ pinyin: "qinguiying", pinyinInitials: "qgy" });
  });
});

import { describe, expect, it } from "vitest";
import { formatBytes, joinAddress, mailboxLabel, quotaMbOf, usagePercent, usageStatus } from "./data";

describe("mail administration figures", () => {
  it("shows sizes in binary units with one decimal at most", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(2048 * 1024 * 1024)).toBe("2 GB");
    expect(formatBytes(12.34 * 1024 * 1024)).toBe("12.3 MB");
    expect(formatBytes(-5)).toBe("0 B");
  });

  it("tells how full a mailbox is, and when to warn", () => {
    expect(usagePercent(0, 1024)).toBe(0);
    expect(usagePercent(512, 1024)).toBe(50);
    expect(usagePercent(2048, 1024)).toBe(100);
    expect(usagePercent(10, 0)).toBe(100);
    expect(usageStatus(50)).toBe("success");
    expect(usageStatus(90)).toBe("warning");
    expect(usageStatus(100)).toBe("exception");
  });

  it("edits quotas in whole MB, never below 1", () => {
    expect(quotaMbOf(2048 * 1024 * 1024)).toBe(2048);
    expect(quotaMbOf(1024)).toBe(1);
  });

  it("names a mailbox by its address and owner, and joins a typed address", () => {
    const owner = {
      kind: "unit",
      id: 3,
      name: "南宁市教育局",
      username: null,
      unitName: "南宁市教育局",
      disabled: false,
    } as const;
    expect(mailboxLabel({ address: "jyj@nanning.gov.cn", owner })).toBe("jyj@nanning.gov.cn（南宁市教育局）");
    expect(mailboxLabel({ address: "x@nanning.gov.cn", owner: null })).toBe("x@nanning.gov.cn");
    expect(joinAddress(" BanGong ", "nanning.gov.cn")).toBe("bangong@nanning.gov.cn");
  });
});

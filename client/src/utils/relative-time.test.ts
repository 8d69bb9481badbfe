import { describe, expect, it } from "vitest";
import { relativeTime } from "./relative-time";

// Noon UTC: the dates below are the same days in every time zone the test may run in.
const now = new Date("2026-03-02T12:00:00Z").getTime();
const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();

describe("relative times in the three languages", () => {
  it("says how long ago in minutes, hours and days", () => {
    expect(relativeTime(ago(5), "zh-CN", { now })).toBe("现在");
    expect(relativeTime(ago(5), "zh-CN", { now, justNow: "刚刚" })).toBe("刚刚");
    expect(relativeTime(ago(3 * 60), "zh-CN", { now })).toBe("3分钟前");
    expect(relativeTime(ago(2 * 3600), "zh-CN", { now })).toBe("2小时前");
    expect(relativeTime(ago(86_400), "zh-CN", { now })).toBe("昨天");
    expect(relativeTime(ago(3 * 86_400), "zh-CN", { now })).toBe("3天前");
    expect(relativeTime(ago(3 * 60), "zh-TW", { now })).toBe("3 分鐘前");
    expect(relativeTime(ago(86_400), "en", { now })).toBe("yesterday");
    expect(relativeTime(ago(90 * 60), "en", { now })).toBe("2 hours ago");
  });

  it("gives a date from a week on, with the year only when it is another year", () => {
    expect(relativeTime(ago(10 * 86_400), "zh-CN", { now })).toBe("2月20日");
    expect(relativeTime("2025-12-30T12:00:00Z", "en", { now })).toBe("Dec 30, 2025");
  });

  it("reads a time slightly ahead of the browser's clock as now, and leaves nonsense alone", () => {
    expect(relativeTime(ago(-20), "en", { now })).toBe("now");
    expect(relativeTime("not a date", "en", { now })).toBe("not a date");
  });
});

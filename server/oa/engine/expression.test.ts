import { describe, expect, it } from "vitest";
import { ExpressionError, holds, parseExpression } from "./expression.js";

const form = {
  urgency: "特急",
  copies: 12,
  docType: "请示",
  units: ["jyj", "czj"],
  needsCountersign: false,
  title: "关于加强教育经费管理的通知",
};

describe("branch conditions", () => {
  it.each([
    ['urgency == "特急" && copies > 10', true],
    ['urgency == "加急" || copies < 10', false],
    ['docType in ["请示", "报告"]', true],
    ["!needsCountersign", true],
    ['form.title contains "教育"', true],
    ['units contains "gaj"', false],
    ["copies % 5 == 2 ? true : false", true],
    ["copies * 2 - 4 >= 20", true],
    // A field the form lacks is null: comparisons with it are false rather than errors.
    ["missing > 3", false],
    ["missing == null", true],
    ['"1" == 1', false],
  ])("%s is %s", (condition, expected) => {
    expect(holds(condition, form)).toBe(expected);
  });

  it.each([
    'constructor.constructor("return process")()',
    "a = 1",
    'form["title"]',
    "form.title.length",
    "x.y",
    "a; b",
    "this",
    "toString()",
    "__proto__.polluted",
    "a | b",
    "~a",
  ])("refuses %s", (source) => {
    expect(() => parseExpression(source)).toThrow(ExpressionError);
  });

  it("reads only the form's own fields, never inherited ones", () => {
    expect(holds("constructor == null && toString == null", {})).toBe(true);
  });

  it("refuses arithmetic on text and over-long expressions", () => {
    expect(() => holds("title * 2 > 1", form)).toThrow(ExpressionError);
    expect(() => parseExpression("a || ".repeat(200) + "b")).toThrow(ExpressionError);
  });
});

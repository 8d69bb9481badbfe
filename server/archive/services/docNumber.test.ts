import { describe, expect, it } from "vitest";
import { canonicalDocNumber } from "./docNumber.js";

describe("canonicalDocNumber", () => {
  it("reads a 文号 whatever brackets are typed, and refuses other text", () => {
    for (const typed of [
      "国发〔1985〕12号",
      "国发[1985]12号",
      "国发(1985)12号",
      "国发（1985）12号",
      "国发【1985】12号",
      "国发［１９８５］１２号",
      " 国发 〔1985〕 012号 ",
    ]) {
      expect(canonicalDocNumber(typed), typed).toBe("国发〔1985〕12号");
    }
    expect(canonicalDocNumber("法释〔2024〕3号")).toBe("法释〔2024〕3号");
    expect(canonicalDocNumber("南府发[2006]12号")).toBe("南府发〔2006〕12号");
    for (const other of ["教育", "国发1985年12号", "国发〔85〕12号", "2006年", ""])
      expect(canonicalDocNumber(other)).toBeNull();
  });
});

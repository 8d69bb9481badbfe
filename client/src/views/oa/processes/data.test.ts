import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { BpmnProblem } from "@/api/oa/processes";
import { graphProblems } from "../../../../../server/oa/engine/definition";
import { BPMN_PROBLEM_CODES } from "../../../../../server/oa/engine/bpmnProblem";
import { i18n, loadLocaleMessages, SUPPORTED_LOCALES } from "@/locales";
import { problemText } from "./data";

/** A 发文-like process whose branch has lost its default flow and its conditions, as a standard tool may save it. */
const graph = {
  nodes: [
    { id: "start", type: "start" as const, name: "开始" },
    { id: "urgent", type: "exclusive" as const, name: "紧急程度" },
    { id: "fast", type: "userTask" as const, name: "加急核稿", assignee: { kind: "drafter" as const } },
    { id: "slow", type: "userTask" as const, name: "核稿", assignee: { kind: "drafter" as const } },
    { id: "end", type: "end" as const, name: "结束" },
  ],
  flows: [
    { id: "f1", from: "start", to: "urgent" },
    { id: "f2", from: "urgent", to: "fast" },
    { id: "f3", from: "urgent", to: "slow" },
    { id: "f4", from: "fast", to: "end" },
    { id: "f5", from: "slow", to: "end" },
  ],
};

/** The problems as the server sends them to the designer. */
const problemsOf = (g: typeof graph): BpmnProblem[] =>
  graphProblems(g as Parameters<typeof graphProblems>[0]).map((p) => ({
    code: p.code,
    message: p.message,
    params: p.params,
    ...(p.elementId ? { elementId: p.elementId } : {}),
  }));

beforeAll(async () => {
  for (const locale of SUPPORTED_LOCALES) await loadLocaleMessages(locale);
});

afterEach(() => {
  i18n.global.locale.value = "zh-CN";
});

describe("the designer's problems", () => {
  it("words the problems of the graph as a whole in the reader's language, naming the element", () => {
    const problems = problemsOf(graph);
    const codes = problems.map((p) => p.code);
    expect(codes).toContain("branch_default");
    expect(codes).toContain("branch_condition_missing");
    const branch = problems.find((p) => p.code === "branch_default")!;
    expect(problemText(branch)).toBe("分支“紧急程度”需要恰好一条默认连线");
    i18n.global.locale.value = "zh-TW";
    expect(problemText(branch)).toBe("分支「紧急程度」需要恰好一條預設連線");
    i18n.global.locale.value = "en";
    expect(problemText(branch)).toBe("The branch “紧急程度” needs exactly one default flow");
    // Each code has words in every language: none falls back to the English message.
    for (const locale of SUPPORTED_LOCALES) {
      i18n.global.locale.value = locale;
      for (const problem of problems) expect(problemText(problem)).not.toBe(problem.message);
    }
  });

  it("has words for every code the server sends, in every language", () => {
    for (const locale of SUPPORTED_LOCALES) {
      i18n.global.locale.value = locale;
      for (const code of BPMN_PROBLEM_CODES.filter((c) => c !== "graph")) {
        expect(i18n.global.te(`oa.designer.problems.${code}`, locale), `${locale} ${code}`).toBe(true);
      }
    }
  });
});

import type { AssigneeRule, BpmnProblem, ProcessCategory } from "@/api/oa/processes";
import { i18n, t } from "@/locales";

/** A task's kind in the panel: one person, or 会签 in one of its three modes. */
export type TaskMode = "single" | "all" | "any" | "sequential";
export const TASK_MODES: readonly TaskMode[] = ["single", "all", "any", "sequential"];

export type AssigneeKind = AssigneeRule["kind"];
export const ASSIGNEE_KINDS: readonly AssigneeKind[] = [
  "drafter",
  "departmentHead",
  "unitLeader",
  "role",
  "users",
  "chosen",
  "field",
];

export type Within = "drafterUnit" | "drafterDepartment" | "unit";
export const WITHIN: readonly Within[] = ["drafterUnit", "drafterDepartment", "unit"];

/** An assignee rule while it is being edited: every kind's fields, the kind possibly not chosen yet. */
export interface AssigneeDraft {
  kind: AssigneeKind | "";
  userIds: number[];
  roleCode: string;
  within: Within;
  unitId: number | null;
  field: string;
}

/** How the server reads "the first to finish completes the 会签" (server/oa/engine/bpmn.ts writes the same). */
export const ONE_OF_CONDITION = "${nrOfCompletedInstances >= 1}";

export const CATEGORY_TAG: Record<ProcessCategory, "primary" | "success" | "info"> = {
  outgoing: "primary",
  incoming: "success",
  general: "info",
};

/** A step behaviour by name: the 公文 module's actions have words; one typed by hand shows as typed. */
export function actionLabel(action: string): string {
  const key = `oa.designer.actions.${action}`;
  return i18n.global.te(key) ? t(key) : action;
}

/** A problem with the drawing in the reader's language; a check of the whole graph keeps the server's words. */
export function problemText(problem: BpmnProblem): string {
  const key = `oa.designer.problems.${problem.code}`;
  if (problem.code === "graph" || !i18n.global.te(key)) return problem.message;
  return t(key, { id: problem.elementId ?? "", ...problem.params });
}

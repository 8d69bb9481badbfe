import type { DocumentStatus } from "@/api/oa/documents";

/** 特急 red, 加急 orange (GB/T 9704 紧急程度). */
export const URGENCY_TAG: Record<string, "danger" | "warning" | undefined> = { 特急: "danger", 加急: "warning" };

export const STATUS_TAG: Record<DocumentStatus, "info" | "primary" | "success" | "warning" | "danger"> = {
  draft: "info",
  running: "primary",
  finished: "success",
  archived: "success",
  terminated: "danger",
  returned: "warning",
};

/** A task due before now, not yet done: shown in red. */
export function isOverdue(dueAt: string | null | undefined, now = Date.now()): boolean {
  return dueAt ? new Date(dueAt).getTime() < now : false;
}

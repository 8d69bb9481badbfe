import type { FormRules } from "element-plus";
import { t } from "@/locales";

/** Kept in step with UNIT_KINDS in server/org/models/unit.ts. */
export const UNIT_KINDS = ["government", "office", "district", "county", "bureau", "other"] as const;

export interface UnitFormModel {
  name: string;
  code: string;
  shortName: string;
  kind: string;
  parentId: number | null;
}

export function emptyUnit(parentId: number | null): UnitFormModel {
  return { name: "", code: "", shortName: "", kind: "bureau", parentId };
}

export function unitRules(): FormRules {
  const required = (field: string) => ({ required: true, message: t("common.required", { field }), trigger: "blur" });
  return {
    name: [required(t("org.units.name"))],
    code: [
      required(t("org.units.code")),
      { pattern: /^[A-Za-z0-9_.-]+$/, message: t("org.units.code"), trigger: "blur" },
    ],
    kind: [required(t("org.units.kind"))],
  };
}

export type OrgTreeNode =
  | { key: string; type: "unit"; id: number; label: string; children: OrgTreeNode[] }
  | { key: string; type: "department"; id: number; unitId: number; label: string; children: OrgTreeNode[] };

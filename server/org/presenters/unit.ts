import type { Department, Unit } from "../models/index.js";

export function presentDepartment(d: Department, userCount = 0) {
  return { id: d.id, unitId: d.unitId, name: d.name, sortOrder: d.sortOrder, userCount };
}

/** The unit fields the tree and the unit routes send. */
export type UnitFields = Pick<Unit, "id" | "parentId" | "code" | "name" | "shortName" | "kind" | "sortOrder">;
export type DepartmentFields = Pick<Department, "id" | "unitId" | "name" | "sortOrder">;

export function presentUnit(u: UnitFields) {
  return {
    id: u.id,
    parentId: u.parentId,
    code: u.code,
    name: u.name,
    shortName: u.shortName,
    kind: u.kind,
    sortOrder: u.sortOrder,
  };
}

/** A department inside the tree: its unit is the node it sits in. */
function presentDepartmentNode(d: DepartmentFields, userCount = 0) {
  return { id: d.id, name: d.name, sortOrder: d.sortOrder, userCount };
}

export type UnitNode = ReturnType<typeof presentUnit> & {
  userCount: number;
  departments: ReturnType<typeof presentDepartmentNode>[];
  children: UnitNode[];
};

/** Builds the nested tree from flat rows in one pass. */
export function presentTree(
  units: readonly UnitFields[],
  departments: readonly DepartmentFields[],
  usersByUnit: Map<number, number>,
  usersByDepartment: Map<number, number>,
): UnitNode[] {
  const nodes = new Map<number, UnitNode>();
  for (const u of units) {
    nodes.set(u.id, { ...presentUnit(u), userCount: usersByUnit.get(u.id) ?? 0, departments: [], children: [] });
  }
  for (const d of departments) {
    nodes.get(d.unitId)?.departments.push(presentDepartmentNode(d, usersByDepartment.get(d.id)));
  }
  const roots: UnitNode[] = [];
  for (const u of units) {
    const node = nodes.get(u.id);
    if (!node) continue;
    const parent = u.parentId === null ? undefined : nodes.get(u.parentId);
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

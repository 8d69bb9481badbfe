import { computed, ref } from "vue";
import { getOrgTree, type UnitNode } from "@/api/org/units";
import { showError } from "@/utils/errors";

export interface UnitOption {
  value: number;
  label: string;
  disabled?: boolean;
  children: UnitOption[];
}

/**
 * Options limited to a grant's scope: every unit when it is "all", else the
 * listed units and those below them; the others stay visible but disabled, so
 * the tree keeps its shape.
 */
export function withinScope(options: UnitOption[], scope: "all" | readonly { id: number }[]): UnitOption[] {
  const allowed = scope === "all" ? null : new Set(scope.map((u) => u.id));
  const mark = (nodes: UnitOption[], inside: boolean): UnitOption[] =>
    nodes.map((n) => {
      const ok = allowed === null || inside || allowed.has(n.value);
      return { ...n, disabled: !ok, children: mark(n.children, ok) };
    });
  return mark(options, false);
}

/** The organisation tree, shared by the units and users pages. */
export function useOrgTree() {
  const units = ref<UnitNode[]>([]);
  const canManage = ref(false);
  const loading = ref(false);

  async function reload(): Promise<void> {
    loading.value = true;
    try {
      const tree = await getOrgTree();
      units.value = tree.units;
      canManage.value = tree.abilities.manage;
    } catch (error) {
      showError(error);
    } finally {
      loading.value = false;
    }
  }

  const byId = computed(() => {
    const map = new Map<number, UnitNode>();
    const walk = (nodes: UnitNode[]) =>
      nodes.forEach((n) => {
        map.set(n.id, n);
        walk(n.children);
      });
    walk(units.value);
    return map;
  });

  /** Options for an el-tree-select; `excludeId` greys out a unit and its subtree (a unit cannot move under itself). */
  function unitOptions(excludeId?: number): UnitOption[] {
    const map = (nodes: UnitNode[], disabled: boolean): UnitOption[] =>
      nodes.map((n) => {
        const off = disabled || n.id === excludeId;
        return { value: n.id, label: n.name, disabled: off, children: map(n.children, off) };
      });
    return map(units.value, false);
  }

  return { units, canManage, loading, reload, byId, unitOptions };
}

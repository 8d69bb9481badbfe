import type Modeler from "bpmn-js/lib/Modeler";
import type { Element, Shape } from "bpmn-js/lib/model/Types";
import type Modeling from "bpmn-js/lib/features/modeling/Modeling";
import type ElementFactory from "bpmn-js/lib/features/modeling/ElementFactory";
import type ElementRegistry from "diagram-js/lib/core/ElementRegistry";
import type Create from "diagram-js/lib/features/create/Create";
import type AutoPlace from "diagram-js/lib/features/auto-place/AutoPlace";
import type Palette from "diagram-js/lib/features/palette/Palette";
import type { PaletteEntries } from "diagram-js/lib/features/palette/PaletteProvider";
import type ContextPad from "diagram-js/lib/features/context-pad/ContextPad";
import type { ContextPadEntries } from "diagram-js/lib/features/context-pad/ContextPadProvider";
import type { AssigneeRule } from "@/api/oa/processes";
import { ONE_OF_CONDITION, type AssigneeDraft, type TaskMode } from "./data";

/**
 * The designer's hold on bpmn-js: what the properties panel shows of the
 * selected element, and the edits it makes — each through bpmn-js's modeling
 * commands, so undo/redo and the saved XML see them. Our fields live in the
 * `yong:` namespace the server reads (server/oa/engine/bpmnExtension.ts).
 */

/** What bpmn-js's business objects (moddle elements) offer; bpmn-js itself types them as `any`. */
interface BusinessObject {
  $type: string;
  id: string;
  name?: string;
  get(name: string): unknown;
  $instanceOf(type: string): boolean;
}

interface Moddle {
  create(type: string, attrs?: Record<string, unknown>): BusinessObject;
}

export interface TaskState {
  kind: "task";
  id: string;
  name: string;
  mode: TaskMode;
  action: string;
  assignee: AssigneeDraft;
  deadlineHours: number | undefined;
  remindBeforeHours: number | undefined;
}

export interface FlowState {
  kind: "flow";
  id: string;
  name: string;
  /** Only flows out of an exclusive gateway carry a condition or are its default. */
  fromGateway: boolean;
  condition: string;
  isDefault: boolean;
}

export interface OtherState {
  kind: "other";
  id: string;
  name: string;
  type: string;
}

export type ElementState = TaskState | FlowState | OtherState;

const TASK_TYPES = ["bpmn:UserTask", "bpmn:Task"];

/** A shape (not a connection or the root): what a step can be appended to. */
const isShape = (target: object): target is Shape => "width" in target && !("waypoints" in target);

const text = (value: unknown): string => (typeof value === "string" ? value : "");

function hours(value: unknown): number | undefined {
  const n = Number(text(value));
  return text(value).trim() && Number.isFinite(n) ? n : undefined;
}

function modeOf(bo: BusinessObject): TaskMode {
  const loop = bo.get("loopCharacteristics") as BusinessObject | undefined;
  if (!loop || loop.$type !== "bpmn:MultiInstanceLoopCharacteristics") return "single";
  if (loop.get("isSequential")) return "sequential";
  const condition = loop.get("completionCondition") as BusinessObject | undefined;
  const body = text(condition?.get("body")).replace(/\s+/g, "");
  return /nrOfCompletedInstances(>=1|>0|==1)/.test(body) ? "any" : "all";
}

function extensionValues(bo: BusinessObject): BusinessObject[] {
  const extensions = bo.get("extensionElements") as BusinessObject | undefined;
  return (extensions?.get("values") as BusinessObject[] | undefined) ?? [];
}

export function emptyAssignee(): AssigneeDraft {
  return { kind: "", userIds: [], roleCode: "", within: "drafterUnit", unitId: null, field: "" };
}

function assigneeOf(bo: BusinessObject): AssigneeDraft {
  const found = extensionValues(bo).find((v) => v.$type === "yong:Assignee");
  const draft = emptyAssignee();
  if (!found) return draft;
  const kind = text(found.get("kind"));
  const within = text(found.get("within"));
  return {
    kind: kind as AssigneeDraft["kind"],
    userIds: text(found.get("userIds"))
      .split(/[\s,，]+/)
      .filter(Boolean)
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0),
    roleCode: text(found.get("roleCode")),
    within: within === "drafterDepartment" || within === "unit" ? within : "drafterUnit",
    unitId: hours(found.get("unitId")) ?? null,
    field: text(found.get("field")),
  };
}

/** The attributes of a `yong:assignee` element for a draft rule: only those its kind uses. */
export function assigneeAttributes(draft: AssigneeDraft): Record<string, string> {
  switch (draft.kind) {
    case "":
      return {};
    case "users":
      return { kind: draft.kind, userIds: draft.userIds.join(",") };
    case "role":
      return {
        kind: draft.kind,
        roleCode: draft.roleCode,
        within: draft.within,
        ...(draft.within === "unit" && draft.unitId ? { unitId: String(draft.unitId) } : {}),
      };
    case "field":
      return { kind: draft.kind, field: draft.field };
    default:
      return { kind: draft.kind };
  }
}

/** A rule of the graph as the panel edits it. */
export function draftOf(rule: AssigneeRule | undefined): AssigneeDraft {
  const draft = emptyAssignee();
  if (!rule) return draft;
  return {
    ...draft,
    kind: rule.kind,
    ...(rule.kind === "users" ? { userIds: rule.userIds } : {}),
    ...(rule.kind === "role" ? { roleCode: rule.roleCode, within: rule.within, unitId: rule.unitId ?? null } : {}),
    ...(rule.kind === "field" ? { field: rule.field } : {}),
  };
}

export function readElement(element: Element): ElementState {
  const bo: BusinessObject = element.businessObject;
  const name = text(bo.name);
  if (TASK_TYPES.includes(bo.$type)) {
    return {
      kind: "task",
      id: bo.id,
      name,
      mode: modeOf(bo),
      action: text(bo.get("yong:action")),
      assignee: assigneeOf(bo),
      deadlineHours: hours(bo.get("yong:deadlineHours")),
      remindBeforeHours: hours(bo.get("yong:remindBeforeHours")),
    };
  }
  if (bo.$type === "bpmn:SequenceFlow") {
    const source = bo.get("sourceRef") as BusinessObject | undefined;
    const fromGateway = source?.$type === "bpmn:ExclusiveGateway";
    const condition = bo.get("conditionExpression") as BusinessObject | undefined;
    return {
      kind: "flow",
      id: bo.id,
      name,
      fromGateway,
      condition: text(condition?.get("body")),
      isDefault: fromGateway && (source?.get("default") as BusinessObject | undefined)?.id === bo.id,
    };
  }
  return { kind: "other", id: bo.id, name, type: bo.$type };
}

/** Palette and context pad limited to what the engine runs; a new task is a user task, as the server reads it. */
class YongPalette {
  static $inject = ["palette", "elementFactory", "create"];

  constructor(
    palette: Palette,
    private readonly elementFactory: ElementFactory,
    private readonly create: Create,
  ) {
    palette.registerProvider(500, this);
  }

  getPaletteEntries() {
    return (entries: PaletteEntries): PaletteEntries => {
      const kept: PaletteEntries = {};
      for (const key of [
        "hand-tool",
        "lasso-tool",
        "space-tool",
        "global-connect-tool",
        "tool-separator",
        "create.start-event",
        "create.end-event",
        "create.exclusive-gateway",
        "create.task",
      ]) {
        const entry = entries[key];
        if (entry) kept[key] = entry;
      }
      const task = kept["create.task"];
      if (task) {
        const start = (event: Event) =>
          this.create.start(event, this.elementFactory.createShape({ type: "bpmn:UserTask" }));
        kept["create.task"] = { ...task, className: "bpmn-icon-user-task", action: { dragstart: start, click: start } };
      }
      return kept;
    };
  }
}

class YongContextPad {
  static $inject = ["contextPad", "elementFactory", "autoPlace", "create"];

  constructor(
    contextPad: ContextPad,
    private readonly elementFactory: ElementFactory,
    private readonly autoPlace: AutoPlace,
    private readonly create: Create,
  ) {
    contextPad.registerProvider(500, this);
  }

  getContextPadEntries() {
    return (entries: ContextPadEntries): ContextPadEntries => {
      delete entries["append.intermediate-event"];
      const task = entries["append.append-task"];
      if (task) {
        const shape = () => this.elementFactory.createShape({ type: "bpmn:UserTask" });
        entries["append.append-task"] = {
          ...task,
          className: "bpmn-icon-user-task",
          action: {
            click: (_event, target) => {
              if (!Array.isArray(target) && isShape(target)) this.autoPlace.append(target, shape());
            },
            dragstart: (event, target) => this.create.start(event, shape(), { source: target }),
          },
        };
      }
      return entries;
    };
  }
}

export const yongModelingModule = {
  __init__: ["yongPalette", "yongContextPad"],
  yongPalette: ["type", YongPalette],
  yongContextPad: ["type", YongContextPad],
};

/** The edits the properties panel makes on the selected element, as undoable modeling commands. */
export function createEditor(modeler: Modeler) {
  const modeling = modeler.get<Modeling>("modeling");
  const registry = modeler.get<ElementRegistry>("elementRegistry");
  const moddle = modeler.get<Moddle>("moddle");
  const element = (id: string): Element => {
    const found = registry.get(id);
    if (!found) throw new Error(`no element ${id} on the canvas`);
    return found as Element;
  };
  const businessObject = (id: string): BusinessObject => element(id).businessObject;

  return {
    read: (id: string): ElementState | null => {
      const found = registry.get(id);
      return found ? readElement(found as Element) : null;
    },
    setName: (id: string, name: string) => modeling.updateLabel(element(id), name),
    setMode: (id: string, mode: TaskMode) => {
      const loop =
        mode === "single"
          ? undefined
          : moddle.create("bpmn:MultiInstanceLoopCharacteristics", {
              isSequential: mode === "sequential",
              ...(mode === "any"
                ? { completionCondition: moddle.create("bpmn:FormalExpression", { body: ONE_OF_CONDITION }) }
                : {}),
            });
      modeling.updateProperties(element(id), { loopCharacteristics: loop });
    },
    setAttribute: (
      id: string,
      name: "action" | "deadlineHours" | "remindBeforeHours",
      value: string | number | undefined,
    ) =>
      modeling.updateProperties(element(id), {
        [`yong:${name}`]: value === undefined || value === "" ? undefined : String(value),
      }),
    setAssignee: (id: string, draft: AssigneeDraft) => {
      const others = extensionValues(businessObject(id)).filter((v) => v.$type !== "yong:Assignee");
      const attributes = assigneeAttributes(draft);
      const values = Object.keys(attributes).length ? [...others, moddle.create("yong:Assignee", attributes)] : others;
      modeling.updateProperties(element(id), {
        extensionElements: values.length ? moddle.create("bpmn:ExtensionElements", { values }) : undefined,
      });
    },
    setCondition: (id: string, condition: string) =>
      modeling.updateProperties(element(id), {
        conditionExpression: condition.trim()
          ? moddle.create("bpmn:FormalExpression", { body: condition.trim() })
          : undefined,
      }),
    /** Makes the flow its gateway's default path (a default path has no condition), or not. */
    setDefault: (id: string, isDefault: boolean) => {
      const flow = element(id);
      const gateway = flow.businessObject.sourceRef as BusinessObject | undefined;
      if (!gateway || !registry.get(gateway.id)) return;
      if (isDefault) modeling.updateProperties(flow, { conditionExpression: undefined });
      modeling.updateProperties(element(gateway.id), { default: isDefault ? flow.businessObject : undefined });
    },
  };
}

export type BpmnEditor = ReturnType<typeof createEditor>;

import { readFileSync } from "node:fs";
import { fileURLToPath, URL } from "node:url";
import { BpmnModdle } from "bpmn-moddle";
import { describe, expect, it } from "vitest";
import { DEFAULT_PROCESSES } from "../services/defaultProcesses.js";
import { bpmnToGraph, graphToBpmn } from "./bpmn.js";
import type { ProcessGraph } from "./definition.js";

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../tests/fixtures/bpmn/${name}`, import.meta.url)), "utf8");

/** The shapes and edges of a document's diagram, by the id of the element they show. */
async function diagramOf(xml: string) {
  const { rootElement } = await new BpmnModdle().fromXML(xml);
  const shapes = new Map<string, { x: number; y: number; width: number; height: number }>();
  const edges = new Map<string, { x: number; y: number }[]>();
  for (const item of rootElement.diagrams?.[0]?.plane?.planeElement ?? []) {
    const id = item.get<{ id: string } | undefined>("bpmnElement")?.id;
    if (!id) continue;
    const bounds = item.get<{ x: number; y: number; width: number; height: number } | undefined>("bounds");
    if (bounds) shapes.set(id, { x: bounds.x, y: bounds.y, width: bounds.width, height: bounds.height });
    const waypoints = item.get<{ x: number; y: number }[] | undefined>("waypoint");
    if (waypoints?.length)
      edges.set(
        id,
        waypoints.map((p) => ({ x: p.x, y: p.y })),
      );
  }
  return { shapes, edges };
}

const overlap = (
  a: { x: number; y: number; width: number; height: number },
  b: { x: number; y: number; width: number; height: number },
) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe("graph → BPMN → graph", () => {
  for (const process of DEFAULT_PROCESSES) {
    it(`round-trips the default ${process.key} process unchanged, with a diagram for every node and flow`, async () => {
      const xml = await graphToBpmn(process.graph, process);
      const back = await bpmnToGraph(xml);
      expect(back.problems).toEqual([]);
      expect(back.graph).toEqual(process.graph);

      const { shapes, edges } = await diagramOf(xml);
      expect([...shapes.keys()].sort()).toEqual(process.graph.nodes.map((n) => n.id).sort());
      expect([...edges.keys()].sort()).toEqual(process.graph.flows.map((f) => f.id).sort());
      const boxes = [...shapes.values()];
      for (const [i, a] of boxes.entries()) for (const b of boxes.slice(i + 1)) expect(overlap(a, b)).toBe(false);
      // Left to right: every forward flow ends to the right of where it starts.
      for (const flow of process.graph.flows) expect(shapes.get(flow.to)!.x).toBeGreaterThan(shapes.get(flow.from)!.x);
    });
  }

  it("writes 会签 modes as standard multi-instance markers and our fields in the yong namespace", async () => {
    const outgoing = DEFAULT_PROCESSES.find((p) => p.key === "outgoing")!;
    const graph: ProcessGraph = {
      ...outgoing.graph,
      nodes: outgoing.graph.nodes.map((n) =>
        n.id === "countersign" && n.type === "countersign" ? { ...n, mode: "any" } : n,
      ),
    };
    const xml = await graphToBpmn(graph, outgoing);
    expect(xml).toContain('xmlns:yong="http://yong.office/schema/bpmn"');
    expect(xml).toMatch(/<bpmn:userTask id="sign" name="领导签发" yong:action="sign" yong:deadlineHours="48"/);
    expect(xml).toContain('<yong:assignee kind="role" roleCode="registrar" within="drafterUnit" />');
    expect(xml).toContain("${nrOfCompletedInstances &gt;= 1}");
    expect(xml).toContain('default="f_needsCountersign_no"');
    const back = await bpmnToGraph(xml);
    expect(back.graph?.nodes.find((n) => n.id === "countersign")).toMatchObject({ type: "countersign", mode: "any" });

    const sequential = await graphToBpmn(
      {
        ...graph,
        nodes: graph.nodes.map((n) => (n.type === "countersign" ? { ...n, mode: "sequential" } : n)),
      },
      outgoing,
    );
    expect(sequential).toContain('<bpmn:multiInstanceLoopCharacteristics isSequential="true" />');
    expect((await bpmnToGraph(sequential)).graph?.nodes.find((n) => n.id === "countersign")).toMatchObject({
      mode: "sequential",
    });
  });

  it("keeps the positions of the previous diagram and lays out new nodes where they overlap nothing", async () => {
    const incoming = DEFAULT_PROCESSES.find((p) => p.key === "incoming")!;
    const first = await graphToBpmn(incoming.graph, incoming);
    // The administrator drags 拟办 down by 200 px in the designer.
    const moved = first.replace(
      /(<bpmndi:BPMNShape id="propose_di" bpmnElement="propose">\s*<dc:Bounds x="\d+" y=")(\d+)/,
      (_, head: string, y: string) => `${head}${Number(y) + 200}`,
    );
    const before = await diagramOf(moved);
    expect(before.shapes.get("propose")!.y).toBe((await diagramOf(first)).shapes.get("propose")!.y + 200);

    // A 复核 step is added between 办结 and 归档.
    const graph: ProcessGraph = {
      nodes: [
        ...incoming.graph.nodes,
        { id: "recheck", type: "userTask", name: "复核", action: "check", assignee: { kind: "drafter" } },
      ],
      flows: [
        ...incoming.graph.flows.filter((f) => f.id !== "f_complete"),
        { id: "f_complete", from: "complete", to: "recheck" },
        { id: "f_recheck", from: "recheck", to: "archive" },
      ],
    };
    const next = await graphToBpmn(graph, incoming, moved);
    const after = await diagramOf(next);
    for (const node of incoming.graph.nodes)
      expect(after.shapes.get(node.id), node.id).toEqual(before.shapes.get(node.id));
    // Edges between kept nodes keep their waypoints; the re-pointed one is routed anew.
    expect(after.edges.get("f_receive")).toEqual(before.edges.get("f_receive"));
    expect(after.edges.get("f_complete")).not.toEqual(before.edges.get("f_complete"));
    const added = after.shapes.get("recheck")!;
    for (const [id, box] of after.shapes) if (id !== "recheck") expect(overlap(added, box), id).toBe(false);
    expect((await bpmnToGraph(next)).graph).toEqual(graph);
  });
});

describe("a BPMN file from a standard tool", () => {
  it("imports a Camunda Modeler / bpmn.io drawing of the supported subset", async () => {
    const { graph, problems } = await bpmnToGraph(fixture("request-approval.bpmn"));
    expect(problems).toEqual([]);
    expect(graph?.nodes).toEqual([
      { id: "StartEvent_1", type: "start", name: "提交请示" },
      // A plain task (bpmn.io's default) is read as a user task.
      {
        id: "Activity_register",
        type: "userTask",
        name: "登记",
        assignee: { kind: "role", roleCode: "registrar", within: "drafterUnit" },
      },
      // A name broken over two lines in the modeler reads as one line; the tool's own attributes are ignored.
      {
        id: "Activity_0g9c3vt",
        type: "userTask",
        name: "科室 拟办",
        action: "propose",
        assignee: { kind: "departmentHead" },
        deadlineHours: 24,
        remindBeforeHours: 4,
      },
      { id: "Gateway_1d3pq0x", type: "exclusive", name: "紧急程度" },
      {
        id: "Activity_leaders",
        type: "countersign",
        mode: "any",
        name: "局领导会签",
        action: "countersign",
        assignee: { kind: "users", userIds: [12, 15] },
        deadlineHours: 8,
      },
      {
        id: "Activity_offices",
        type: "countersign",
        mode: "sequential",
        name: "处室依次会签",
        action: "countersign",
        assignee: { kind: "chosen" },
        deadlineHours: 48,
      },
      {
        id: "Activity_sign",
        type: "userTask",
        name: "局长签批",
        action: "sign",
        assignee: { kind: "unitLeader" },
        deadlineHours: 24,
      },
      { id: "Event_0yx1d5p", type: "end", name: "办结" },
    ]);
    // The condition written for a JUEL engine (${…}) is read without its wrapper.
    expect(graph?.flows.find((f) => f.id === "Flow_urgent")).toEqual({
      id: "Flow_urgent",
      from: "Gateway_1d3pq0x",
      to: "Activity_leaders",
      name: "特急",
      condition: 'urgency == "特急" && docType in ["请示", "报告"]',
    });
    expect(graph?.flows.find((f) => f.id === "Flow_normal")).toMatchObject({ isDefault: true, name: "其他" });
    expect(graph?.flows).toHaveLength(8);
  });

  it("exports it back with the tool's layout and reads the same graph again", async () => {
    const drawn = fixture("request-approval.bpmn");
    const { graph } = await bpmnToGraph(drawn);
    if (!graph) throw new Error("the fixture did not import");
    const xml = await graphToBpmn(graph, { key: "jyj_request", name: "教育局请示办理" }, drawn);
    const original = await diagramOf(drawn);
    const exported = await diagramOf(xml);
    for (const node of graph.nodes) expect(exported.shapes.get(node.id), node.id).toEqual(original.shapes.get(node.id));
    for (const flow of graph.flows) expect(exported.edges.get(flow.id), flow.id).toEqual(original.edges.get(flow.id));
    expect((await bpmnToGraph(xml)).graph).toEqual(graph);
  });

  it("names every element outside the subset instead of failing", async () => {
    const { graph, problems } = await bpmnToGraph(fixture("unsupported.bpmn"));
    expect(graph).toBeNull();
    const byElement = Object.fromEntries(problems.map((p) => [p.elementId, p]));
    expect(byElement.Gateway_split).toMatchObject({
      code: "unsupported_element",
      params: { type: "bpmn:ParallelGateway", name: "并行" },
    });
    expect(byElement.Activity_mail).toMatchObject({
      code: "unsupported_element",
      params: { type: "bpmn:ServiceTask" },
    });
    expect(byElement.Event_wait).toMatchObject({
      code: "unsupported_element",
      params: { type: "bpmn:IntermediateCatchEvent", definition: "bpmn:TimerEventDefinition" },
    });
    expect(byElement.Activity_sub).toMatchObject({ code: "unsupported_element", params: { type: "bpmn:SubProcess" } });
    expect(byElement.Event_end).toMatchObject({
      code: "unsupported_event",
      params: { type: "bpmn:TerminateEventDefinition" },
    });
    expect(byElement.Activity_review).toMatchObject({ code: "missing_assignee", params: { name: "审核" } });
    for (const p of problems) expect(p.message).toContain(p.elementId);
  });

  it("reports a condition that does not parse once, with its flow id", async () => {
    const broken = fixture("request-approval.bpmn").replace(
      '${urgency == "特急" &amp;&amp;',
      "urgency == (特急 &amp;&amp;",
    );
    expect(broken).not.toEqual(fixture("request-approval.bpmn"));
    const { graph, problems } = await bpmnToGraph(broken);
    expect(graph).toBeNull();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: "condition_invalid", elementId: "Flow_urgent" });
    expect(problems[0]!.message).toContain("Flow_urgent");
    // The expression language has no assignment: the same holds for a condition that parses as JavaScript.
    const assignment = fixture("request-approval.bpmn").replace('urgency == "特急"', 'urgency = "特急"');
    expect((await bpmnToGraph(assignment)).problems.map((p) => [p.code, p.elementId])).toEqual([
      ["condition_invalid", "Flow_urgent"],
    ]);
  });

  it("reports bad extension values, a second default path and text that is not BPMN", async () => {
    const drawn = fixture("request-approval.bpmn");
    const badHours = await bpmnToGraph(drawn.replace('yong:deadlineHours="8"', 'yong:deadlineHours="两天"'));
    expect(badHours.problems).toEqual([
      expect.objectContaining({
        code: "invalid_attribute",
        elementId: "Activity_leaders",
        params: { attribute: "deadlineHours", value: "两天" },
      }),
    ]);
    const badRule = await bpmnToGraph(drawn.replace('kind="users" userIds="12, 15"', 'kind="users"'));
    expect(badRule.problems).toEqual([
      expect.objectContaining({ code: "invalid_assignee", elementId: "Activity_leaders" }),
    ]);
    const noDefault = await bpmnToGraph(drawn.replace(' default="Flow_normal"', ""));
    // Each problem of the graph as a whole has its own code, the element at fault and the values the screen shows.
    expect(noDefault.problems).toEqual([
      expect.objectContaining({ code: "branch_default", params: expect.objectContaining({ name: "紧急程度" }) }),
      expect.objectContaining({ code: "branch_condition_missing", elementId: "Flow_normal" }),
    ]);
    expect(noDefault.problems.map((p) => p.message).join("\n")).toMatch(/紧急程度 needs exactly one default flow/);
    expect(noDefault.problems.map((p) => p.message).join("\n")).toMatch(/flow Flow_normal .* needs a condition/);

    const notXml = await bpmnToGraph("<html><body>流程</body>");
    expect(notXml.graph).toBeNull();
    expect(notXml.problems.map((p) => p.code)).toEqual(["xml_invalid"]);
    expect((await bpmnToGraph("")).problems.map((p) => p.code)).toEqual(["xml_invalid"]);
  });
});

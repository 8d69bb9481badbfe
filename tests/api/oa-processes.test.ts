// Process definitions through the API: the defaults the server creates, new versions from BPMN,
// a unit's adaptation and which process a document of a unit starts on, who may change what
// (a unit's OA administrator only their own unit's processes), export/import and the designer's
// live check. On SQLite by default, on MariaDB with DATABASE_URL=mysql://….
import { readFileSync } from "node:fs";
import { fileURLToPath, URL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Unit, User } from "../../server/org/models/index.js";
import { Process, ProcessVersion } from "../../server/oa/models/engine.js";
import { DEFAULT_PROCESSES } from "../../server/oa/services/defaultProcesses.js";
import { ensureDefaultProcesses, findProcessForUnit } from "../../server/oa/services/processes.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/bpmn/${name}`, import.meta.url)), "utf8");

interface ProcessItem {
  id: number;
  key: string;
  name: string;
  category: string;
  unit: { id: number; name: string } | null;
  latestVersion: number;
  enabled: boolean;
  abilities: { update: boolean; adapt: boolean };
}

let server: TestServer;
let oaadmin: ApiClient;
let staff: ApiClient;
let auditor: ApiClient;
let education: { id: number; name: string };
let finance: { id: number; name: string };
let outgoing: ProcessItem;
let incoming: ProcessItem;

const defaultGraph = (key: string) => DEFAULT_PROCESSES.find((p) => p.key === key)!.graph;

async function unitAt(id: number): Promise<Unit> {
  const unit = await Unit.findByPk(id);
  if (!unit) throw new Error(`no unit ${id}`);
  return unit;
}

beforeAll(async () => {
  server = await startTestServer();
  oaadmin = await server.signIn("oaadmin");
  staff = await server.signIn("office.staff1");
  auditor = await server.signIn("auditor");
  const sysadmin = await server.signIn("sysadmin");
  const tree = await sysadmin.get("/api/org/tree");
  const units = tree.body.units[0].children as { id: number; name: string; code: string }[];
  education = units.find((u) => u.code === "nanning.jyj")!;
  finance = units.find((u) => u.code === "nanning.czj")!;
  const list = await oaadmin.get("/api/oa/processes");
  expect(list.status, list.text).toBe(200);
  outgoing = list.body.items.find((p: ProcessItem) => p.key === "outgoing");
  incoming = list.body.items.find((p: ProcessItem) => p.key === "incoming");
});
afterAll(async () => {
  await server?.stop();
});

describe("the default processes", () => {
  it("exist from the first start, city-wide, as version 1 of the default graphs with a diagram", async () => {
    expect(outgoing).toMatchObject({
      name: "发文办理",
      category: "outgoing",
      unit: null,
      latestVersion: 1,
      enabled: true,
    });
    expect(incoming).toMatchObject({ name: "收文办理", category: "incoming", unit: null, latestVersion: 1 });
    expect(outgoing.abilities).toEqual({ update: true, adapt: true });
    const detail = await oaadmin.get(`/api/oa/processes/${outgoing.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.graph).toEqual(defaultGraph("outgoing"));
    expect(detail.body.bpmnXml).toContain('<bpmndi:BPMNShape id="sign_di" bpmnElement="sign">');
    expect(detail.body.versions.map((v: { version: number }) => v.version)).toEqual([1]);
    expect(detail.body.knownActions).toEqual(expect.arrayContaining(["draft", "sign", "number", "archive", "handle"]));
    expect(detail.body.refs.roles.map((r: { code: string }) => r.code)).toEqual(
      expect.arrayContaining(["staff", "registrar", "leader"]),
    );
    expect(detail.body.refs.roles.map((r: { code: string }) => r.code)).not.toContain("sysadmin");
  });

  it("are created once however many instances start at once", async () => {
    await Process.destroy({ where: { key: "incoming" } });
    const results = await Promise.all([1, 2, 3, 4].map(() => ensureDefaultProcesses(server.sequelize)));
    expect(results.flat()).toEqual(["incoming"]);
    const rows = await Process.findAll({ where: { key: "incoming" } });
    expect(rows).toHaveLength(1);
    expect(await ProcessVersion.count({ where: { processId: rows[0]!.id } })).toBe(1);
    expect(await ensureDefaultProcesses(server.sequelize)).toEqual([]);
    incoming = (await oaadmin.get("/api/oa/processes?category=incoming")).body.items[0];
    expect(incoming.key).toBe("incoming");
  });

  it("are shown to everyone in the OA one version at a time, and to nobody else in full", async () => {
    const version = await staff.get(`/api/oa/processes/${outgoing.id}/versions/1`);
    expect(version.status, version.text).toBe(200);
    expect(version.body).toMatchObject({ processId: outgoing.id, key: "outgoing", version: 1 });
    expect(version.body.graph).toEqual(defaultGraph("outgoing"));
    expect(version.body.bpmnXml).toContain("<bpmndi:BPMNDiagram");
    expect((await staff.get(`/api/oa/processes/${outgoing.id}/versions/9`)).status).toBe(404);
    for (const path of [
      "/api/oa/processes",
      `/api/oa/processes/${outgoing.id}`,
      `/api/oa/processes/${outgoing.id}/bpmn`,
    ])
      expect((await staff.get(path)).status, path).toBe(403);
    expect((await staff.post("/api/oa/processes/validate", { xml: "<x/>" })).status).toBe(403);
    expect((await server.client().get(`/api/oa/processes/${outgoing.id}/versions/1`)).status).toBe(401);
  });

  it("are found by the version id a document names, for its page's flow diagram", async () => {
    const drafted = await staff.post("/api/oa/documents", {
      docType: "通知",
      title: "关于开展安全生产大检查的通知",
      bodyHtml: "<p>各单位要认真开展安全生产大检查。</p>",
    });
    expect(drafted.status, drafted.text).toBe(201);
    const submitted = await staff.post(`/api/oa/documents/${drafted.body.id}/submit`, {});
    expect(submitted.status, submitted.text).toBe(200);
    const versionId: number = submitted.body.process.processVersionId;
    const byId = await staff.get(`/api/oa/process-versions/${versionId}`);
    expect(byId.status, byId.text).toBe(200);
    expect(byId.body).toEqual((await staff.get(`/api/oa/processes/${outgoing.id}/versions/1`)).body);
    expect(byId.body.graph.nodes.map((n: { id: string }) => n.id)).toContain(submitted.body.process.currentNodeId);
    const missing = (await ProcessVersion.max<number, ProcessVersion>("id")) + 1;
    expect((await staff.get(`/api/oa/process-versions/${missing}`)).status).toBe(404);
    expect((await auditor.get(`/api/oa/process-versions/${versionId}`)).status).toBe(403);
    expect((await server.client().get(`/api/oa/process-versions/${versionId}`)).status).toBe(401);
  });
});

describe("versions", () => {
  it("saves a changed diagram as a new version, keeps the old one and records who did it", async () => {
    const v1 = (await oaadmin.get(`/api/oa/processes/${outgoing.id}`)).body.bpmnXml as string;
    const changed = v1.replace(
      'yong:action="review" yong:deadlineHours="24"',
      'yong:action="review" yong:deadlineHours="36"',
    );
    expect(changed).not.toBe(v1);
    const saved = await oaadmin.request("PUT", `/api/oa/processes/${outgoing.id}`, { body: { xml: changed } });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ version: 2, created: true, latestVersion: 2 });

    const again = await oaadmin.request("PUT", `/api/oa/processes/${outgoing.id}`, { body: { xml: changed } });
    expect(again.body).toMatchObject({ version: 2, created: false });

    const latest = await oaadmin.get(`/api/oa/processes/${outgoing.id}`);
    expect(latest.body.graph.nodes.find((n: { id: string }) => n.id === "review").deadlineHours).toBe(36);
    expect(latest.body.bpmnXml).toBe(changed);
    expect(latest.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(latest.body.versions[0].createdBy.name).toBeTruthy();
    const first = await oaadmin.get(`/api/oa/processes/${outgoing.id}/versions/1`);
    expect(first.body.graph.nodes.find((n: { id: string }) => n.id === "review").deadlineHours).toBe(24);

    const events = await auditor.get("/api/audit/events?action=oa.process.version");
    expect(events.body.items[0]).toMatchObject({
      actorName: "oaadmin",
      targetType: "oa_process",
      targetId: String(outgoing.id),
      detail: { title: "发文办理", version: 2 },
    });
  });

  it("refuses a diagram the engine cannot run, naming the element, and saves nothing", async () => {
    const xml = (await oaadmin.get(`/api/oa/processes/${outgoing.id}`)).body.bpmnXml as string;
    const parallel = xml
      .replace(
        '<bpmn:exclusiveGateway id="needsCountersign" name="是否会签" default="f_needsCountersign_no">',
        '<bpmn:parallelGateway id="needsCountersign" name="是否会签">',
      )
      .replace("</bpmn:exclusiveGateway>", "</bpmn:parallelGateway>");
    const res = await oaadmin.request("PUT", `/api/oa/processes/${outgoing.id}`, { body: { xml: parallel } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("process_bpmn_invalid");
    expect(res.body.error.details.problems[0]).toMatchObject({
      code: "unsupported_element",
      elementId: "needsCountersign",
      params: { type: "bpmn:ParallelGateway" },
    });
    expect((await oaadmin.get(`/api/oa/processes/${outgoing.id}`)).body.latestVersion).toBe(2);
  });

  it("renames and disables a process, audited with before and after", async () => {
    const created = await oaadmin.post("/api/oa/processes", {
      name: "内部事项审批",
      category: "general",
      unitId: null,
      graph: defaultGraph("incoming"),
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ key: "general.city", version: 1, enabled: true });
    const res = await oaadmin.request("PUT", `/api/oa/processes/${created.body.id}`, {
      body: { name: "内部事项审批（试行）", enabled: false },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ name: "内部事项审批（试行）", enabled: false, version: 1, created: false });
    const events = await auditor.get("/api/audit/events?action=oa.process.update");
    expect(events.body.items[0].changes).toEqual(
      expect.arrayContaining([
        { field: "name", before: "内部事项审批", after: "内部事项审批（试行）" },
        { field: "enabled", before: true, after: false },
      ]),
    );
  });
});

describe("a unit's adaptation", () => {
  let adapted: ProcessItem & { version: number };

  it("copies the default's latest version for the unit, once per kind", async () => {
    const res = await oaadmin.post("/api/oa/processes", { copyOf: outgoing.id, unitId: education.id });
    expect(res.status, res.text).toBe(201);
    adapted = res.body;
    expect(adapted).toMatchObject({
      key: `outgoing.u${education.id}`,
      name: "发文办理",
      category: "outgoing",
      unit: { id: education.id, name: "南宁市教育局" },
      version: 1,
    });
    const detail = await oaadmin.get(`/api/oa/processes/${adapted.id}`);
    const source = await oaadmin.get(`/api/oa/processes/${outgoing.id}`);
    expect(detail.body.graph).toEqual(source.body.graph);
    expect(detail.body.bpmnXml).toContain(`<bpmn:process id="outgoing.u${education.id}" name="发文办理"`);

    const twice = await oaadmin.post("/api/oa/processes", { copyOf: outgoing.id, unitId: education.id });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe("process_exists_for_unit");
    const events = await auditor.get("/api/audit/events?action=oa.process.create");
    expect(
      events.body.items.find((e: { targetId: string }) => e.targetId === String(adapted.id))?.detail,
    ).toMatchObject({ copyOf: outgoing.id, unitId: education.id, title: "发文办理" });
  });

  it("is what documents of the unit and the units below it start on; other units keep the default", async () => {
    const sysadmin = await server.signIn("sysadmin");
    const child = await sysadmin.post("/api/org/units", {
      name: "南宁市教育局电化教育馆",
      code: "nanning.jyj.dhjg",
      kind: "other",
      parentId: education.id,
    });
    expect(child.status, child.text).toBe(201);
    for (const unitId of [education.id, child.body.id]) {
      const found = await findProcessForUnit("outgoing", await unitAt(unitId));
      expect(found?.process.id, String(unitId)).toBe(adapted.id);
      expect(found?.version.version).toBe(1);
    }
    const elsewhere = await findProcessForUnit("outgoing", await unitAt(finance.id));
    expect(elsewhere?.process.key).toBe("outgoing");
    expect(elsewhere?.version.version).toBe(2);
    expect((await findProcessForUnit("incoming", await unitAt(education.id)))?.process.key).toBe("incoming");

    const off = await oaadmin.request("PUT", `/api/oa/processes/${adapted.id}`, { body: { enabled: false } });
    expect(off.status).toBe(200);
    expect((await findProcessForUnit("outgoing", await unitAt(child.body.id)))?.process.key).toBe("outgoing");
    const on = await oaadmin.request("PUT", `/api/oa/processes/${adapted.id}`, { body: { enabled: true } });
    expect(on.status).toBe(200);
  });

  it("a unit's OA administrator changes their own unit's processes and nothing else", async () => {
    const { client: local, id } = await server.newUser({
      username: "cz.oaadmin",
      unitId: finance.id,
      departmentId: null,
    });
    const secadmin = await server.signIn("secadmin");
    const roles = await secadmin.get("/api/org/roles");
    const role = roles.body.items.find((r: { code: string }) => r.code === "oaadmin");
    const granted = await secadmin.post(`/api/org/users/${id}/roles`, { roleId: role.id, unitId: finance.id });
    expect(granted.status, granted.text).toBe(200);

    const list = await local.get("/api/oa/processes");
    expect(list.status).toBe(200);
    expect(list.body.abilities).toEqual({ createCityWide: false, units: [{ id: finance.id, name: "南宁市财政局" }] });
    const keys = list.body.items.map((p: ProcessItem) => p.key);
    expect(keys).toEqual(expect.arrayContaining(["outgoing", "incoming"]));
    expect(keys).not.toContain(adapted.key);
    expect(list.body.items.find((p: ProcessItem) => p.key === "outgoing").abilities).toEqual({
      update: false,
      adapt: true,
    });

    const xml = (await local.get(`/api/oa/processes/${outgoing.id}`)).body.bpmnXml as string;
    const forbidden = [
      await local.request("PUT", `/api/oa/processes/${outgoing.id}`, { body: { xml: xml.replace("发文办理", "改") } }),
      await local.request("PUT", `/api/oa/processes/${outgoing.id}`, { body: { enabled: false } }),
      await local.request("PUT", `/api/oa/processes/${adapted.id}`, { body: { name: "财政局改的" } }),
      await local.get(`/api/oa/processes/${adapted.id}`),
      await local.get(`/api/oa/processes/${adapted.id}/bpmn`),
      await local.post("/api/oa/processes", { copyOf: outgoing.id, unitId: education.id }),
      await local.post("/api/oa/processes", { name: "全市", category: "general", unitId: null, xml }),
    ];
    expect(forbidden.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403, 403]);
    const after = await oaadmin.get(`/api/oa/processes/${outgoing.id}`);
    expect(after.body).toMatchObject({ latestVersion: 2, enabled: true, name: "发文办理" });

    const own = await local.post("/api/oa/processes", { copyOf: incoming.id, unitId: finance.id });
    expect(own.status, own.text).toBe(201);
    const ownXml = (await local.get(`/api/oa/processes/${own.body.id}`)).body.bpmnXml as string;
    const saved = await local.request("PUT", `/api/oa/processes/${own.body.id}`, {
      body: { xml: ownXml.replace('name="传阅"', 'name="局内传阅"'), name: "财政局收文办理" },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ version: 2, name: "财政局收文办理", unit: { id: finance.id } });
  });
});

describe("BPMN files", () => {
  it("exports a version as a .bpmn download named in UTF-8 and imports it again unchanged", async () => {
    const res = await oaadmin.get(`/api/oa/processes/${outgoing.id}/bpmn?version=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/xml/);
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="outgoing-v1.bpmn"; filename*=UTF-8''${encodeURIComponent("发文办理-v1.bpmn")}`,
    );
    expect(res.text).toBe((await oaadmin.get(`/api/oa/processes/${outgoing.id}/versions/1`)).body.bpmnXml);

    const imported = await oaadmin.post("/api/oa/processes", {
      name: "发文办理（导入）",
      category: "general",
      unitId: education.id,
      key: "imported_outgoing",
      xml: res.text,
    });
    expect(imported.status, imported.text).toBe(201);
    const detail = await oaadmin.get(`/api/oa/processes/${imported.body.id}`);
    expect(detail.body.graph).toEqual(defaultGraph("outgoing"));
    expect(detail.body.bpmnXml).toBe(res.text);
    const taken = await oaadmin.post("/api/oa/processes", {
      name: "重复",
      category: "general",
      unitId: null,
      key: "imported_outgoing",
      xml: res.text,
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("process_key_taken");
  });

  it("imports a file drawn in a standard modeler, with the names of the people it names", async () => {
    const drawn = fixture("request-approval.bpmn");
    const created = await oaadmin.post("/api/oa/processes", {
      name: "教育局请示办理",
      category: "general",
      unitId: education.id,
      xml: drawn,
    });
    expect(created.status, created.text).toBe(201);
    const detail = await oaadmin.get(`/api/oa/processes/${created.body.id}`);
    expect(detail.body.graph.nodes.map((n: { type: string }) => n.type)).toEqual([
      "start",
      "userTask",
      "userTask",
      "exclusive",
      "countersign",
      "countersign",
      "userTask",
      "end",
    ]);
    // The 会签 names users 12 and 15: the answer carries their names for the designer's person picker.
    const named = await User.findAll({ where: { id: [12, 15] } });
    expect(detail.body.refs.users).toEqual(
      expect.arrayContaining(named.map((u) => ({ id: u.id, name: u.displayName }))),
    );
    expect(named).toHaveLength(2);
  });

  it("checks a drawing without saving it: problems with the element at fault, or the graph", async () => {
    const drawn = fixture("request-approval.bpmn");
    const good = await oaadmin.post("/api/oa/processes/validate", { xml: drawn });
    expect(good.status).toBe(200);
    expect(good.body.problems).toEqual([]);
    expect(good.body.graph.nodes).toHaveLength(8);
    const bad = await oaadmin.post("/api/oa/processes/validate", {
      xml: drawn.replace('${urgency == "特急" &amp;&amp;', "urgency == (特急 &amp;&amp;"),
    });
    expect(bad.body.graph).toBeNull();
    expect(bad.body.problems).toEqual([
      expect.objectContaining({ code: "condition_invalid", elementId: "Flow_urgent" }),
    ]);
    const notXml = await oaadmin.post("/api/oa/processes/validate", { xml: "流程图" });
    expect(notXml.body.problems.map((p: { code: string }) => p.code)).toEqual(["xml_invalid"]);
    expect((await oaadmin.post("/api/oa/processes/validate", {})).status).toBe(400);
  });

  it("draws anew a process whose file has no diagram, keeping everything of the process", async () => {
    const drawn = fixture("request-approval.bpmn");
    // What a tool that writes only the model sends: the process without its bpmndi part.
    const bare = drawn.replace(/<bpmndi:BPMNDiagram[\s\S]*<\/bpmndi:BPMNDiagram>/, "");
    expect(bare).not.toMatch(/BPMNShape/);
    const plain = await oaadmin.post("/api/oa/processes/validate", { xml: bare });
    expect(plain.body.xml).toBeUndefined();
    const laidOut = await oaadmin.post("/api/oa/processes/validate", { xml: bare, layout: true });
    expect(laidOut.status, laidOut.text).toBe(200);
    const xml = laidOut.body.xml as string;
    // A shape for every step and an edge for every flow, and the same graph when read back.
    expect(xml.match(/<bpmndi:BPMNShape /g)).toHaveLength(laidOut.body.graph.nodes.length);
    expect(xml.match(/<bpmndi:BPMNEdge /g)).toHaveLength(laidOut.body.graph.flows.length);
    const again = await oaadmin.post("/api/oa/processes/validate", { xml });
    expect(again.body.problems).toEqual([]);
    expect(again.body.graph).toEqual(laidOut.body.graph);
    // Nothing is drawn for a file with problems: the designer shows them instead.
    const broken = await oaadmin.post("/api/oa/processes/validate", {
      xml: bare.replace('${urgency == "特急" &amp;&amp;', "urgency == (特急 &amp;&amp;"),
      layout: true,
    });
    expect([broken.body.graph, broken.body.xml]).toEqual([null, undefined]);
  });
});

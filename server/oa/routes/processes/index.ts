import Router from "@koa/router";
import type { Transaction } from "sequelize";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { notFound } from "../../../core/errors.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { Role, Unit, User } from "../../../org/models/index.js";
import type { Actor } from "../../../core/actor.js";
import { bpmnToGraph, graphToBpmn } from "../../engine/bpmn.js";
import { Process, ProcessVersion } from "../../models/engine.js";
import { processPolicy } from "../../policies/process.js";
import { presentProcess, presentProcessVersion, presentVersionSummary } from "../../presenters/process.js";
import {
  KNOWN_ACTIONS,
  adaptProcess,
  bpmnOfVersion,
  createProcess,
  graphOfVersion,
  listProcesses,
  processVersion,
  saveProcessVersion,
  unitsOf,
  updateProcess,
} from "../../services/processes.js";
import {
  BpmnDownloadSchema,
  IdParamSchema,
  ProcessCreateSchema,
  ProcessListSchema,
  ProcessUpdateSchema,
  ValidateSchema,
  VersionParamSchema,
} from "./schema.js";

async function findProcessOr404(id: number, t?: Transaction): Promise<{ process: Process; unit: Unit | null }> {
  const process = await Process.findByPk(id, { transaction: t });
  if (!process) throw notFound("Process");
  const unit = process.unitId === null ? null : await Unit.findByPk(process.unitId, { transaction: t });
  return { process, unit };
}

async function findUnitOr404(id: number, t: Transaction): Promise<Unit> {
  // Locked: two administrators adapting a process for the same unit at once take turns (one enabled per kind).
  const unit = await Unit.findByPk(id, { transaction: t, lock: t.LOCK.UPDATE });
  if (!unit) throw notFound("Unit");
  return unit;
}

const abilitiesOf = (actor: Actor, unit: Unit | null) => ({
  update: processPolicy.manage(actor, unit),
  adapt: processPolicy.adapt(actor, unit),
});

/** `attachment` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987), so 发文办理-v2.bpmn keeps its name. */
function attachment(fallback: string, name: string): string {
  const encoded = encodeURIComponent(name).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Process definitions for OA administrators (the designer), and versions for the document page. */
export function processesRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/oa", sensitive: true, strict: true });

  router.get("/processes", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(processPolicy.manageSome(actor), "see process definitions");
    const { query } = parseRequest(ctx, ProcessListSchema);
    const processes = await listProcesses({
      category: query.category,
      unitId: query.unit === "city" ? null : query.unit,
    });
    const units = await unitsOf(processes);
    const items = processes.flatMap((p) => {
      const unit = p.unitId === null ? null : (units.get(p.unitId) ?? null);
      if (!processPolicy.read(actor, unit)) return [];
      return [presentProcess(p, unit, abilitiesOf(actor, unit))];
    });
    ctx.body = {
      items,
      abilities: { createCityWide: processPolicy.manageCityWide(actor), units: processPolicy.manageUnits(actor) },
    };
  });

  router.get("/processes/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(processPolicy.manageSome(actor), "see process definitions");
    const { params } = parseRequest(ctx, IdParamSchema);
    const { process, unit } = await findProcessOr404(params.id);
    authorize(processPolicy.read(actor, unit), "see this process");
    const latest = await processVersion(process.id, process.latestVersion);
    if (!latest) throw notFound("Process version");
    const graph = graphOfVersion(latest);
    const versions = await ProcessVersion.findAll({
      attributes: ["id", "version", "createdAt", "createdById"],
      where: { processId: process.id },
      order: [["version", "DESC"]],
    });
    // Names for the ids the graph and the history mention, and the roles a rule may name.
    const userIds = new Set<number>(versions.flatMap((v) => (v.createdById ? [v.createdById] : [])));
    const unitIds = new Set<number>();
    for (const node of graph.nodes) {
      if (node.type !== "userTask" && node.type !== "countersign") continue;
      if (node.assignee.kind === "users") node.assignee.userIds.forEach((id) => userIds.add(id));
      if (node.assignee.kind === "role" && node.assignee.unitId) unitIds.add(node.assignee.unitId);
    }
    const [users, units, roles] = await Promise.all([
      userIds.size ? User.findAll({ attributes: ["id", "displayName"], where: { id: [...userIds] } }) : [],
      unitIds.size ? Unit.findAll({ attributes: ["id", "name"], where: { id: [...unitIds] } }) : [],
      Role.findAll({ attributes: ["code", "name"], where: { adminKind: null }, order: [["id", "ASC"]] }),
    ]);
    const userRef = (id: number | null) => {
      const user = users.find((u) => u.id === id);
      return user ? { id: user.id, name: user.displayName } : null;
    };
    ctx.body = {
      ...presentProcess(process, unit, abilitiesOf(actor, unit)),
      version: latest.version,
      graph,
      bpmnXml: await bpmnOfVersion(process, latest),
      versions: versions.map((v) => presentVersionSummary(v, userRef(v.createdById))),
      refs: {
        users: users.map((u) => ({ id: u.id, name: u.displayName })),
        units: units.map((u) => ({ id: u.id, name: u.name })),
        roles: roles.map((r) => ({ code: r.code, name: r.name })),
      },
      knownActions: KNOWN_ACTIONS,
    };
  });

  // The flow an instance runs, for its document page: every OA user may read a version.
  router.get("/processes/:id/versions/:version", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(processPolicy.readVersion(actor), "see process versions");
    const { params } = parseRequest(ctx, VersionParamSchema);
    const { process } = await findProcessOr404(params.id);
    const version = await processVersion(process.id, params.version);
    if (!version) throw notFound("Process version");
    ctx.body = presentProcessVersion(process, version, graphOfVersion(version), await bpmnOfVersion(process, version));
  });

  // The same by the version's own id, which is what a document's process names (its processVersionId).
  router.get("/process-versions/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(processPolicy.readVersion(actor), "see process versions");
    const { params } = parseRequest(ctx, IdParamSchema);
    const version = await ProcessVersion.findByPk(params.id);
    const process = version ? await Process.findByPk(version.processId) : null;
    if (!version || !process) throw notFound("Process version");
    ctx.body = presentProcessVersion(process, version, graphOfVersion(version), await bpmnOfVersion(process, version));
  });

  router.get("/processes/:id/bpmn", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(processPolicy.manageSome(actor), "export process definitions");
    const { params, query } = parseRequest(ctx, BpmnDownloadSchema);
    const { process, unit } = await findProcessOr404(params.id);
    authorize(processPolicy.read(actor, unit), "export this process");
    const version = await processVersion(process.id, query.version ?? process.latestVersion);
    if (!version) throw notFound("Process version");
    const file = `${process.key}-v${version.version}.bpmn`;
    ctx.set("Content-Disposition", attachment(file, `${process.name}-v${version.version}.bpmn`));
    ctx.type = "application/xml; charset=utf-8";
    ctx.body = await bpmnOfVersion(process, version);
  });

  // The designer's live check: what the drawing would become, and what stands in the way, without saving.
  router.post("/processes/validate", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(processPolicy.manageSome(actor), "check process definitions");
    const { body } = parseRequest(ctx, ValidateSchema);
    const { process, ...result } = await bpmnToGraph(body.xml);
    ctx.body =
      body.layout && result.graph && process ? { ...result, xml: await graphToBpmn(result.graph, process) } : result;
  });

  router.post("/processes", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(processPolicy.manageSome(actor), "create process definitions");
    const { body } = parseRequest(ctx, ProcessCreateSchema);
    const result = await ctx.services.sequelize.transaction(async (t) => {
      let created;
      let unit: Unit | null;
      let copyOf: Process | null = null;
      if ("copyOf" in body) {
        const source = await findProcessOr404(body.copyOf, t);
        authorize(processPolicy.adapt(actor, source.unit), "copy this process");
        unit = await findUnitOr404(body.unitId, t);
        authorize(processPolicy.manage(actor, unit), "adapt processes for this unit");
        copyOf = source.process;
        created = await adaptProcess({ source: source.process, unit, name: body.name, createdById: actor.id }, t);
      } else {
        unit = body.unitId === null ? null : await findUnitOr404(body.unitId, t);
        authorize(processPolicy.manage(actor, unit), "create processes here");
        created = await createProcess(
          {
            key: body.key,
            name: body.name,
            category: body.category,
            unitId: unit?.id ?? null,
            source: body.graph ? { graph: body.graph } : { bpmnXml: body.xml ?? "" },
            createdById: actor.id,
          },
          t,
        );
      }
      const { process, version } = created;
      await ctx.audit(
        {
          action: "oa.process.create",
          outcome: "success",
          targetType: "oa_process",
          targetId: process.id,
          detail: {
            title: process.name,
            key: process.key,
            category: process.category,
            unitId: process.unitId,
            version: version.version,
            ...(copyOf ? { copyOf: copyOf.id, copyOfTitle: copyOf.name } : {}),
          },
        },
        t,
      );
      return { process, version, unit };
    });
    ctx.status = 201;
    ctx.body = {
      ...presentProcess(result.process, result.unit, abilitiesOf(actor, result.unit)),
      version: result.version.version,
    };
  });

  router.put("/processes/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(processPolicy.manageSome(actor), "change process definitions");
    const { params, body } = parseRequest(ctx, ProcessUpdateSchema);
    const result = await ctx.services.sequelize.transaction(async (t) => {
      const { process, unit } = await findProcessOr404(params.id, t);
      authorize(processPolicy.manage(actor, unit), "change this process");
      let created = false;
      if (body.xml !== undefined) {
        const saved = await saveProcessVersion({ process, source: { bpmnXml: body.xml }, createdById: actor.id }, t);
        created = saved.created;
        if (created) {
          await ctx.audit(
            {
              action: "oa.process.version",
              outcome: "success",
              targetType: "oa_process",
              targetId: process.id,
              detail: { title: process.name, key: process.key, unitId: process.unitId, version: saved.version.version },
            },
            t,
          );
        }
      }
      const changes: { name?: string; enabled?: boolean } = {};
      if (body.name !== undefined && body.name !== process.name) changes.name = body.name;
      if (body.enabled !== undefined && body.enabled !== process.enabled) changes.enabled = body.enabled;
      if (Object.keys(changes).length) {
        const before = { name: process.name, enabled: process.enabled };
        await updateProcess(process, changes, t);
        await ctx.audit(
          {
            action: "oa.process.update",
            outcome: "success",
            targetType: "oa_process",
            targetId: process.id,
            detail: { title: before.name, key: process.key, unitId: process.unitId, before, changes },
          },
          t,
        );
      }
      return { process, unit, created };
    });
    ctx.body = {
      ...presentProcess(result.process, result.unit, abilitiesOf(actor, result.unit)),
      version: result.process.latestVersion,
      created: result.created,
    };
  });

  return router;
}

import { PassThrough } from "node:stream";
import Router from "@koa/router";
import { stringify } from "csv-stringify";
import type { AppContext, AppContextExtras, AppState } from "../../core/context.js";
import { csvSafeOptions } from "../../core/csv.js";
import { actorOf, authorize } from "../../core/policy.js";
import { parseRequest } from "../../core/validate.js";
import { AuditEvent } from "../models/auditEvent.js";
import { auditPolicy } from "../policies/audit.js";
import { verifyAuditChain } from "../services/auditChain.js";
import { auditEventsInBatches, auditWhere, presentAuditEvent } from "../services/auditQuery.js";
import { AuditExportSchema, AuditListSchema } from "./schema.js";
import { presentAuditPage } from "../presenters/auditEvent.js";

const CSV_COLUMNS = [
  "seq",
  "at",
  "actorId",
  "actorName",
  "ip",
  "action",
  "targetType",
  "targetId",
  "outcome",
  "detail",
];

export function auditRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/audit", sensitive: true, strict: true });

  router.get("/events", async (ctx: AppContext) => {
    authorize(auditPolicy.read(actorOf(ctx)), "read the audit log");
    const { query } = parseRequest(ctx, AuditListSchema);
    // Page views this instance accepted are on the page the auditor reads next.
    await ctx.services.auditBuffer.flush();
    const { rows, count } = await AuditEvent.findAndCountAll({
      where: auditWhere(query),
      order: [["seq", "DESC"]],
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    });
    const { items, refs } = await presentAuditPage(rows);
    ctx.body = { items, refs, total: count, page: query.page, pageSize: query.pageSize };
  });

  router.get("/actions", async (ctx: AppContext) => {
    authorize(auditPolicy.read(actorOf(ctx)), "read the audit log");
    const rows = await AuditEvent.findAll({
      attributes: ["action"],
      group: ["action"],
      order: [["action", "ASC"]],
      raw: true,
    });
    ctx.body = { items: rows.map((r) => r.action) };
  });

  router.get("/events.csv", async (ctx: AppContext) => {
    authorize(auditPolicy.export(actorOf(ctx)), "export the audit log");
    const { query } = parseRequest(ctx, AuditExportSchema);
    await ctx.services.auditBuffer.flush();
    await ctx.audit({ action: "audit.export", outcome: "success", detail: { filters: query } });
    const csv = stringify({ ...csvSafeOptions, header: true, columns: CSV_COLUMNS, bom: true });
    const out = new PassThrough();
    csv.pipe(out);
    ctx.set("Content-Disposition", `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.csv"`);
    ctx.type = "text/csv; charset=utf-8";
    ctx.body = out;
    void (async () => {
      try {
        for await (const batch of auditEventsInBatches(query)) {
          for (const e of batch) {
            const row = { ...presentAuditEvent(e), detail: e.detail ?? "" };
            if (!csv.write(row)) await new Promise((resolve) => csv.once("drain", resolve));
          }
        }
        csv.end();
      } catch (err) {
        ctx.services.logger.error({ err }, "audit export failed");
        out.destroy(err as Error);
      }
    })();
  });

  router.get("/verify", async (ctx: AppContext) => {
    authorize(auditPolicy.read(actorOf(ctx)), "verify the audit log");
    await ctx.services.auditBuffer.flush();
    const report = await verifyAuditChain();
    await ctx.audit({
      action: "audit.verify",
      outcome: report.ok ? "success" : "failure",
      detail: { checked: report.checked, problem: report.problem ?? null },
    });
    ctx.body = report;
  });

  return router;
}

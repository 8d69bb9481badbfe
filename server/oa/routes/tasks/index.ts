import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { notFound } from "../../../core/errors.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { workflowTransaction } from "../../engine/engine.js";
import { Task } from "../../models/engine.js";
import { documentPolicy } from "../../policies/document.js";
import {
  approveTask,
  documentOfTask,
  returnDocument,
  transferDocumentTask,
  type TaskOfDocument,
} from "../../services/documents.js";
import { ApproveSchema, ReturnSchema, TaskIdSchema, TransferSchema } from "./schema.js";

/**
 * The document a task belongs to, for the audit line and the answer. A task
 * that is not the caller's answers 404 unless they may read its document
 * (then the engine says why they cannot act: 403 or 409).
 */
async function documentOf(taskId: number, actorId: number): Promise<TaskOfDocument> {
  const found = await documentOfTask(taskId);
  const { task, doc } = found;
  if (task.assigneeId !== actorId && task.ownerId !== actorId && doc.drafterId !== actorId) {
    const sameInstance = await Task.findOne({
      where: { instanceId: task.instanceId, assigneeId: actorId },
      attributes: ["id"],
    });
    if (!sameInstance) throw notFound("Task");
  }
  return found;
}

/** The document the param check found, for the handler of the same request (one read instead of two). */
const checked = new WeakMap<AppContext, TaskOfDocument>();

/** Acting on one's own task: 同意/提交/已阅, 退回, 转办. */
export function oaTasksRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/oa", sensitive: true, strict: true });

  // Before any body is read: a task of someone else's document answers 404.
  router.param("id", async (_id: string, ctx: AppContext, next) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "use the OA");
    const { params } = parseRequest(ctx, TaskIdSchema);
    checked.set(ctx, await documentOf(params.id, actor.id));
    await next();
  });

  router.post("/tasks/:id/approve", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "handle documents");
    const { params, body } = parseRequest(ctx, ApproveSchema);
    const found = checked.get(ctx) ?? (await documentOf(params.id, actor.id));
    const { doc } = found;
    const effects = await workflowTransaction(ctx.services.sequelize, async (t) => {
      const result = await approveTask(params.id, actor, body, { blobs: ctx.services.blobs }, t, found);
      await ctx.audit(
        {
          action: "oa.task.approve",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: { title: doc.title, task: params.id, next: result.currentNodeId, ended: result.ended },
        },
        t,
      );
      return result;
    });
    ctx.body = { documentId: doc.id, currentNodeId: effects.currentNodeId, ended: effects.ended };
  });

  router.post("/tasks/:id/return", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "return documents");
    const { params, body } = parseRequest(ctx, ReturnSchema);
    const { doc } = checked.get(ctx) ?? (await documentOf(params.id, actor.id));
    const effects = await workflowTransaction(ctx.services.sequelize, async (t) => {
      const result = await returnDocument(params.id, actor, body, t);
      await ctx.audit(
        {
          action: "oa.task.return",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: { title: doc.title, task: params.id, to: result.currentNodeId, reason: body.comment },
        },
        t,
      );
      return result;
    });
    ctx.body = { documentId: doc.id, currentNodeId: effects.currentNodeId, ended: effects.ended };
  });

  router.post("/tasks/:id/transfer", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "transfer tasks");
    const { params, body } = parseRequest(ctx, TransferSchema);
    const { doc } = checked.get(ctx) ?? (await documentOf(params.id, actor.id));
    await workflowTransaction(ctx.services.sequelize, async (t) => {
      await transferDocumentTask(params.id, actor, { toUserId: body.toUserId, comment: body.comment ?? null }, t);
      await ctx.audit(
        {
          action: "oa.task.transfer",
          outcome: "success",
          targetType: "oa_document",
          targetId: doc.id,
          detail: { title: doc.title, task: params.id, toUserId: body.toUserId },
        },
        t,
      );
    });
    ctx.body = { documentId: doc.id };
  });

  return router;
}

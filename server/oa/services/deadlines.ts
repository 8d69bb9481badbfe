import { Op } from "sequelize";
import type { JobHandler } from "../../jobs/services/runner.js";
import { User } from "../../org/models/index.js";
import { notify } from "../../notify/services/notifier.js";
import { roleHoldersIn } from "../engine/assignees.js";
import { workflowTransaction } from "../engine/engine.js";
import { Instance, Task } from "../models/engine.js";
import { OaDocument } from "../models/document.js";

export const OA_DEADLINES_JOB = "oa.deadlines";
/** How often the deadlines are looked at: a reminder is at most this late. */
export const OA_DEADLINES_EVERY_SECONDS = 60;
const BATCH = 200;

/**
 * Reminders before a step's deadline and notices when it has passed, to the
 * person the task waits for and (when overdue) to the supervisors (督办) of
 * the document's unit. A recurring job that one instance at a time runs
 * (server/jobs); each task is marked with a conditional update before its
 * notices are written, in one transaction, so a task is never reminded twice
 * even if two runs overlapped.
 */
export async function sendDeadlineNotices(
  now = new Date(),
  signal?: AbortSignal,
): Promise<{ reminded: number; overdue: number }> {
  let reminded = 0;
  let overdue = 0;
  for (;;) {
    if (signal?.aborted) break;
    const due = await Task.findAll({
      where: { status: "open", kind: "do", remindAt: { [Op.lte]: now }, remindedAt: null },
      order: [["remindAt", "ASC"]],
      limit: BATCH,
    });
    if (!due.length) break;
    for (const task of due) if (await notice(task, "remind", now)) reminded++;
    if (due.length < BATCH) break;
  }
  for (;;) {
    if (signal?.aborted) break;
    const late = await Task.findAll({
      where: { status: "open", kind: "do", dueAt: { [Op.lte]: now }, overdueNotifiedAt: null },
      order: [["dueAt", "ASC"]],
      limit: BATCH,
    });
    if (!late.length) break;
    for (const task of late) if (await notice(task, "overdue", now)) overdue++;
    if (late.length < BATCH) break;
  }
  return { reminded, overdue };
}

async function notice(task: Task, kind: "remind" | "overdue", now: Date): Promise<boolean> {
  return workflowTransaction(Task.sequelize!, async (t) => {
    const column = kind === "remind" ? "remindedAt" : "overdueNotifiedAt";
    const [claimed] = await Task.update(
      { [column]: now },
      { where: { id: task.id, status: "open", [column]: null }, transaction: t },
    );
    if (!claimed) return false;
    const instance = await Instance.findByPk(task.instanceId, { transaction: t });
    const doc =
      instance?.businessType === "document" ? await OaDocument.findByPk(instance.businessId, { transaction: t }) : null;
    if (!doc || !task.dueAt) return true;
    const link = `/oa/documents/${doc.id}`;
    if (kind === "remind") {
      await notify(
        {
          recipients: [task.assigneeId],
          kind: "oa.task.remind",
          params: { documentTitle: doc.title, nodeName: task.nodeName, dueAt: task.dueAt },
          link,
        },
        t,
      );
      return true;
    }
    await notify(
      {
        recipients: [task.assigneeId],
        kind: "oa.task.overdue",
        params: { documentTitle: doc.title, nodeName: task.nodeName, dueAt: task.dueAt },
        link,
      },
      t,
    );
    const assignee = await User.findByPk(task.assigneeId, { attributes: ["displayName"], transaction: t });
    const supervisors = (await roleHoldersIn({ permission: "oa.supervise", unitId: doc.unitId }, t)).filter(
      (id) => id !== task.assigneeId,
    );
    if (supervisors.length) {
      await notify(
        {
          recipients: supervisors,
          kind: "oa.task.overdue",
          params: {
            documentTitle: doc.title,
            nodeName: task.nodeName,
            dueAt: task.dueAt,
            assigneeName: assignee?.displayName ?? "",
          },
          link,
        },
        t,
      );
    }
    return true;
  });
}

export function deadlinesJob(): JobHandler {
  return {
    leaseMs: 300_000,
    run: async (_payload, { signal, logger }) => {
      const sent = await sendDeadlineNotices(new Date(), signal);
      if (sent.reminded + sent.overdue > 0) logger.info(sent, "OA deadline notices sent");
    },
  };
}

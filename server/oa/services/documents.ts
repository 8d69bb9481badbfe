import { QueryTypes, type Transaction } from "sequelize";
import { columnsOf, instanceOf } from "../../core/rows.js";
import type { Actor } from "../../core/actor.js";
import type { BlobStore } from "../../core/blobStore.js";
import { badRequest, conflict, forbidden, notFound } from "../../core/errors.js";
import { Department, Unit, User } from "../../org/models/index.js";
import { notify } from "../../notify/services/notifier.js";
import { handOverToArchive } from "../../archive/services/intake.js";
import type { TaskNode } from "../engine/definition.js";
import {
  addSigners,
  completeTask,
  removeSigners,
  requestReading,
  returnTask,
  startInstance,
  terminate,
  transferTask,
  urge,
  withdraw,
  type Assignment,
  type EngineEffects,
  type MayDelegate,
} from "../engine/engine.js";
import { requireOaUsers, roleHoldersIn } from "../engine/assignees.js";
import { Instance, Task } from "../models/engine.js";
import {
  Attachment,
  Distribution,
  DocumentRevision,
  OaDocument,
  recipientsOf,
  type DocType,
  type RecipientUnit,
  type Urgency,
} from "../models/document.js";
import { bodyText, refuseClassified, sanitizeBody } from "./documentBody.js";
import { renderDocumentPdf } from "./documentPdf.js";
import { findProcessForUnit } from "./processes.js";

/** The fields a drafter and the reviewers fill in (GB/T 9704 elements the system does not set itself). */
export interface DocumentFields {
  docType: DocType;
  title: string;
  urgency: Urgency | null;
  copyNo: string | null;
  issuerMark: string | null;
  mainRecipients: RecipientUnit[];
  ccRecipients: RecipientUnit[];
  signatureOrg: string | null;
  writtenOn: string | null;
  note: string | null;
  printedBy: string | null;
  printedOn: string | null;
  needsCountersign: boolean;
  bodyHtml: string;
  /** 密级 as declared: anything but none is refused. */
  secrecy?: string | null;
}

export interface OaDeps {
  blobs: BlobStore;
}

/** Steps whose handler may change the document's fields and 正文 (every change is a saved revision). */
export const EDITING_ACTIONS: ReadonlySet<string> = new Set([
  "draft",
  "review",
  "officeReview",
  "sign",
  "check",
  "register",
]);

const json = (value: unknown) => JSON.stringify(value);

function businessForm(doc: OaDocument): Record<string, unknown> {
  return {
    docType: doc.docType,
    urgency: doc.urgency,
    needsCountersign: doc.needsCountersign,
    title: doc.title,
    mainUnits: recipientsOf(doc.mainRecipients).flatMap((r) => (r.unitId ? [r.unitId] : [])),
  };
}

async function saveRevision(doc: OaDocument, authorId: number, t: Transaction): Promise<void> {
  doc.bodyRevision = doc.bodyRevision + 1;
  await DocumentRevision.create(
    { documentId: doc.id, revision: doc.bodyRevision, bodyHtml: doc.bodyHtml, authorId },
    { transaction: t },
  );
}

/** A new 发文 draft of the actor's unit and department. */
export async function createOutgoing(actor: Actor, fields: DocumentFields, t: Transaction): Promise<OaDocument> {
  refuseClassified(fields);
  const unit = await Unit.findByPk(actor.user.unitId, { transaction: t });
  if (!unit) throw notFound("Unit");
  const bodyHtml = sanitizeBody(fields.bodyHtml);
  const doc = await OaDocument.create(
    {
      direction: "outgoing",
      status: "draft",
      unitId: unit.id,
      departmentId: actor.user.departmentId,
      drafterId: actor.id,
      docType: fields.docType,
      title: fields.title,
      urgency: fields.urgency,
      copyNo: fields.copyNo,
      issuerMark: fields.issuerMark ?? `${unit.name}文件`,
      numberCodeId: null,
      numberYear: null,
      numberSeq: null,
      docNumber: null,
      signers: "[]",
      mainRecipients: json(fields.mainRecipients),
      ccRecipients: json(fields.ccRecipients),
      signatureOrg: fields.signatureOrg ?? unit.name,
      writtenOn: fields.writtenOn,
      note: fields.note,
      printedBy: fields.printedBy ?? unit.name,
      printedOn: fields.printedOn,
      needsCountersign: fields.needsCountersign,
      bodyHtml,
      instanceId: null,
      sourceDocumentId: null,
      fromUnitId: null,
      receivedAt: null,
      pdfSha256: null,
      archivedAt: null,
    },
    { transaction: t },
  );
  if (bodyHtml) await saveRevision(doc, actor.id, t);
  await doc.save({ transaction: t });
  return doc;
}

/** The open tasks of the actor on this document's instance. */
export async function openTasksOfActor(doc: OaDocument, actorId: number, t?: Transaction): Promise<Task[]> {
  if (!doc.instanceId) return [];
  return Task.findAll({
    where: { instanceId: doc.instanceId, assigneeId: actorId, status: "open" },
    order: [["id", "ASC"]],
    transaction: t,
  });
}

/** Whether the actor may change the document now: its drafter while a draft, or the handler of an editing step. */
export async function mayEdit(doc: OaDocument, actorId: number, t?: Transaction): Promise<boolean> {
  if (doc.status !== "running") return editableBy(doc, actorId, []);
  return editableBy(doc, actorId, await openTasksOfActor(doc, actorId, t));
}

/** mayEdit, given the actor's open tasks on the document (a caller that has them already). */
export function editableBy(doc: OaDocument, actorId: number, openTasks: readonly Task[]): boolean {
  if (doc.status === "draft") return doc.drafterId === actorId;
  if (doc.status !== "running") return false;
  return openTasks.some((task) => task.kind === "do" && task.action !== null && EDITING_ACTIONS.has(task.action));
}

/** Changes fields and 正文; a changed 正文 is saved as a new revision. */
export async function updateDocument(
  doc: OaDocument,
  actor: Actor,
  patch: Partial<DocumentFields>,
  t: Transaction,
): Promise<OaDocument> {
  if (!(await mayEdit(doc, actor.id, t))) {
    throw conflict("not_editable", "The document can be changed only by its drafter or by whoever handles it now");
  }
  refuseClassified({ secrecy: patch.secrecy, title: patch.title, bodyHtml: patch.bodyHtml });
  const { mainRecipients, ccRecipients, bodyHtml, secrecy: _secrecy, ...rest } = patch;
  Object.assign(doc, rest);
  if (mainRecipients) doc.mainRecipients = json(mainRecipients);
  if (ccRecipients) doc.ccRecipients = json(ccRecipients);
  if (bodyHtml !== undefined) {
    const clean = sanitizeBody(bodyHtml);
    if (clean !== doc.bodyHtml) {
      doc.bodyHtml = clean;
      // The PDF no longer shows the 正文: render again at 用印.
      doc.pdfSha256 = null;
      await saveRevision(doc, actor.id, t);
    }
  }
  await doc.save({ transaction: t });
  if (doc.instanceId) {
    await Instance.update({ form: json(businessForm(doc)) }, { where: { id: doc.instanceId }, transaction: t });
  }
  return doc;
}

/** Says to the people who have new work that they have it. */
async function tellAssignees(doc: OaDocument, effects: EngineEffects, actor: Actor, t: Transaction): Promise<void> {
  for (const task of effects.opened) {
    await notify(
      {
        recipients: [task.assigneeId],
        kind: "oa.task.assigned",
        params: { documentTitle: doc.title, nodeName: task.nodeName },
        link: `/oa/documents/${doc.id}`,
        actorId: actor.id,
      },
      t,
    );
  }
  if (effects.ended) {
    doc.status = doc.archivedAt ? "archived" : "finished";
    await doc.save({ transaction: t });
    await notify(
      {
        recipients: [doc.drafterId],
        kind: "oa.document.finished",
        params: { documentTitle: doc.title },
        link: `/oa/documents/${doc.id}`,
        actorId: actor.id,
      },
      t,
    );
  }
}

/** Submits a draft: its process starts at the unit's 发文 (or 收文) process and the drafter's step is done. */
export async function submitDocument(
  doc: OaDocument,
  actor: Actor,
  props: { comment?: string | null; chosen?: number[] },
  deps: OaDeps,
  t: Transaction,
): Promise<EngineEffects> {
  if (doc.status !== "draft") throw conflict("already_submitted", "This document has already been submitted");
  await requireOaUsers(props.chosen ?? [], t);
  if (doc.drafterId !== actor.id) throw forbidden("Only the drafter submits a draft", "not_drafter");
  if (!doc.title.trim() || !bodyText(doc.bodyHtml))
    throw badRequest("document_incomplete", "A document needs a title and a 正文");
  const unit = await Unit.findByPk(doc.unitId, { transaction: t });
  if (!unit) throw notFound("Unit");
  const found = await findProcessForUnit(doc.direction, unit, t);
  if (!found) throw conflict("no_process", "No process is set up for these documents; ask the OA administrator");
  const started = await startInstance(
    {
      processVersionId: found.version.id,
      businessType: "document",
      businessId: doc.id,
      drafterId: doc.drafterId,
      form: businessForm(doc),
    },
    t,
  );
  Object.assign(doc, { instanceId: started.instance.id, status: "running" });
  await doc.save({ transaction: t });
  const first = started.opened.find((task) => task.assigneeId === actor.id);
  if (!first) return started;
  return approveTask(first.id, actor, { comment: props.comment, chosen: props.chosen }, deps, t);
}

/** A task and the 公文 its instance runs for; 404 for a task of anything else, or none. */
/** A task with its instance and document. */
export interface TaskOfDocument {
  task: Task;
  instance: Instance;
  doc: OaDocument;
}

/** A task with its instance and document, read together in one statement (every action on a task starts here). */
export async function documentOfTask(taskId: number, t?: Transaction): Promise<TaskOfDocument> {
  const sequelize = OaDocument.sequelize!;
  const [row] = await sequelize.query<Record<string, unknown>>(
    `SELECT ${[...columnsOf(Task, "t", "t_"), ...columnsOf(Instance, "i", "i_"), ...columnsOf(OaDocument, "d", "d_")].join(", ")}
       FROM oa_tasks t
       JOIN oa_instances i ON i.id = t.instanceId
       JOIN oa_documents d ON d.id = i.businessId AND i.businessType = 'document'
      WHERE t.id = ?`,
    { replacements: [taskId], type: QueryTypes.SELECT, transaction: t },
  );
  const task = row && instanceOf(Task, row, "t_");
  const instance = row && instanceOf(Instance, row, "i_");
  const doc = row && instanceOf(OaDocument, row, "d_");
  if (!task || !instance || !doc) throw notFound("Task");
  return { task, instance, doc };
}

/** What the 公文 does when a step of its process is complete. */
function stepBehaviour(doc: OaDocument, actor: Actor, deps: OaDeps, t: Transaction) {
  return async (node: TaskNode) => {
    switch (node.action) {
      case "sign": {
        const unit = await Unit.findByPk(doc.unitId, { transaction: t });
        if (!unit || !actor.can("oa.document.sign", unit)) {
          throw forbidden("Only a leader of the unit signs documents off (签发)", "not_signer");
        }
        const signers = JSON.parse(doc.signers) as string[];
        if (!signers.includes(actor.user.displayName)) signers.push(actor.user.displayName);
        doc.signers = json(signers);
        doc.writtenOn ??= new Date().toISOString().slice(0, 10);
        break;
      }
      case "number":
        if (!doc.docNumber) throw conflict("number_required", "Give the document its 文号 before finishing 登记编号");
        break;
      case "seal":
        if (!doc.pdfSha256) await renderDocumentPdf(doc, deps.blobs, t);
        doc.printedOn ??= new Date().toISOString().slice(0, 10);
        break;
      case "distribute":
        await distribute(doc, actor, t);
        break;
      case "receive":
        await signFor(doc, actor, t);
        break;
      case "archive":
        await archiveDocument(doc, actor, t);
        break;
      default:
        break;
    }
    await doc.save({ transaction: t });
  };
}

/**
 * 签发 is a leader's own act: a leader's 签发 goes to their delegate only when the delegate may sign for
 * the unit too (a deputy); otherwise it stays with the leader. Other steps go to any delegate.
 */
function delegationRule(doc: OaDocument, t: Transaction): MayDelegate {
  return async (node, delegateId) => {
    if (node.action !== "sign") return true;
    const signers = await roleHoldersIn({ permission: "oa.document.sign", unitId: doc.unitId }, t);
    return signers.includes(delegateId);
  };
}

/** 同意/提交/已阅: the actor's task is done; the step behaviour runs when the step completes. */
export async function approveTask(
  taskId: number,
  actor: Actor,
  props: { comment?: string | null; chosen?: number[]; assignments?: Assignment[] },
  deps: OaDeps,
  t: Transaction,
  /** The task with its instance and document when the caller has just read them (documentOfTask): saves reads. */
  known?: TaskOfDocument,
): Promise<EngineEffects> {
  await requireOaUsers([...(props.chosen ?? []), ...(props.assignments ?? []).map((a) => a.userId)], t);
  const { doc, ...task } = known ?? (await documentOfTask(taskId, t));
  const effects = await completeTask(
    {
      taskId,
      known: task,
      actorId: actor.id,
      comment: props.comment,
      chosen: props.chosen,
      assignments: props.assignments,
      form: businessForm(doc),
      mayDelegate: delegationRule(doc, t),
      onNodeComplete: stepBehaviour(doc, actor, deps, t),
    },
    t,
  );
  await tellAssignees(doc, effects, actor, t);
  return effects;
}

/** 退回 with the reason; those it goes back to are told why. */
export async function returnDocument(
  taskId: number,
  actor: Actor,
  props: { comment: string; to: string },
  t: Transaction,
): Promise<EngineEffects> {
  const { doc, task } = await documentOfTask(taskId, t);
  const effects = await returnTask({ taskId, actorId: actor.id, comment: props.comment, to: props.to }, t);
  for (const opened of effects.opened) {
    await notify(
      {
        recipients: [opened.assigneeId],
        kind: "oa.document.returned",
        params: {
          documentTitle: doc.title,
          nodeName: task.nodeName,
          byName: actor.user.displayName,
          comment: props.comment,
        },
        link: `/oa/documents/${doc.id}`,
        actorId: actor.id,
      },
      t,
    );
  }
  return effects;
}

export async function withdrawDocument(
  doc: OaDocument,
  actor: Actor,
  comment: string | null,
  t: Transaction,
): Promise<EngineEffects> {
  if (!doc.instanceId) throw conflict("cannot_withdraw", "The document has not been submitted");
  const effects = await withdraw({ instanceId: doc.instanceId, actorId: actor.id, comment }, t);
  const told = [...new Set(effects.closed.map((task) => task.assigneeId))];
  if (told.length) {
    await notify(
      {
        recipients: told,
        kind: "oa.document.withdrawn",
        params: { documentTitle: doc.title, byName: actor.user.displayName },
        link: `/oa/documents/${doc.id}`,
        actorId: actor.id,
      },
      t,
    );
  }
  return effects;
}

export async function transferDocumentTask(
  taskId: number,
  actor: Actor,
  props: { toUserId: number; comment: string | null },
  t: Transaction,
): Promise<EngineEffects> {
  await requireOaUsers([props.toUserId], t);
  const { doc } = await documentOfTask(taskId, t);
  const effects = await transferTask(
    { taskId, actorId: actor.id, toUserId: props.toUserId, comment: props.comment },
    t,
  );
  await tellAssignees(doc, effects, actor, t);
  return effects;
}

export async function changeSigners(
  doc: OaDocument,
  actor: Actor,
  props: { add?: number[]; remove?: number[]; comment: string | null },
  deps: OaDeps,
  t: Transaction,
): Promise<EngineEffects> {
  if (!doc.instanceId) throw conflict("not_countersign", "The document has not been submitted");
  await requireOaUsers(props.add ?? [], t);
  const effects = props.add?.length
    ? await addSigners({ instanceId: doc.instanceId, actorId: actor.id, userIds: props.add, comment: props.comment }, t)
    : await removeSigners(
        {
          instanceId: doc.instanceId,
          actorId: actor.id,
          userIds: props.remove ?? [],
          comment: props.comment,
          onNodeComplete: stepBehaviour(doc, actor, deps, t),
        },
        t,
      );
  await tellAssignees(doc, effects, actor, t);
  return effects;
}

export async function urgeDocument(doc: OaDocument, actor: Actor, message: string, t: Transaction): Promise<number> {
  if (!doc.instanceId) throw conflict("instance_not_running", "The document is not in a process");
  const { tasks } = await urge({ instanceId: doc.instanceId, actorId: actor.id, message }, t);
  for (const task of tasks) {
    await notify(
      {
        recipients: [task.assigneeId],
        kind: "oa.task.urged",
        params: { documentTitle: doc.title, nodeName: task.nodeName, message, byName: actor.user.displayName },
        link: `/oa/documents/${doc.id}`,
        actorId: actor.id,
      },
      t,
    );
  }
  return tasks.length;
}

export async function terminateDocument(doc: OaDocument, actor: Actor, comment: string, t: Transaction): Promise<void> {
  if (!doc.instanceId) throw conflict("instance_not_running", "The document is not in a process");
  await terminate({ instanceId: doc.instanceId, actorId: actor.id, comment }, t);
  doc.status = "terminated";
  await doc.save({ transaction: t });
}

/** 传阅: asks these people to read the document. */
export async function circulate(
  doc: OaDocument,
  actor: Actor,
  props: { userIds: number[]; comment: string | null },
  t: Transaction,
): Promise<number> {
  if (!doc.instanceId) throw conflict("instance_not_running", "The document is not in a process");
  await requireOaUsers(props.userIds, t);
  const created = await requestReading(
    { instanceId: doc.instanceId, actorId: actor.id, userIds: props.userIds, comment: props.comment },
    t,
  );
  if (created.length) {
    await notify(
      {
        recipients: created.map((task) => task.assigneeId),
        kind: "oa.read.requested",
        params: { documentTitle: doc.title, byName: actor.user.displayName },
        link: `/oa/documents/${doc.id}`,
        actorId: actor.id,
      },
      t,
    );
  }
  return created.length;
}

/**
 * 分发: every 主送 and 抄送 unit of the organisation gets an incoming document in
 * its registrar's queue, linked to this one; the 收文 process starts there with
 * the registrar as its first handler. A unit without a registrar stops the
 * distribution with an error that names it.
 */
async function distribute(doc: OaDocument, actor: Actor, t: Transaction): Promise<void> {
  const targets = [
    ...recipientsOf(doc.mainRecipients).map((r) => ({ ...r, kind: "main" as const })),
    ...recipientsOf(doc.ccRecipients).map((r) => ({ ...r, kind: "cc" as const })),
  ].filter((r): r is RecipientUnit & { unitId: number; kind: "main" | "cc" } => r.unitId !== null);
  const seen = new Set<number>();
  const sender = await Unit.findByPk(doc.unitId, { transaction: t });
  for (const target of targets) {
    if (seen.has(target.unitId) || target.unitId === doc.unitId) continue;
    seen.add(target.unitId);
    const unit = await Unit.findByPk(target.unitId, { transaction: t });
    if (!unit) throw conflict("recipient_missing", `The recipient ${target.name} no longer exists`);
    const [registrarId] = await roleHoldersIn({ roleCode: "registrar", unitId: unit.id }, t);
    if (!registrarId) {
      throw conflict("recipient_without_registrar", `${unit.name} has no registrar (文书) to receive the document`, {
        unit: unit.name,
      });
    }
    const registrar = await User.findByPk(registrarId, { transaction: t });
    const incoming = await OaDocument.create(
      {
        direction: "incoming",
        status: "running",
        unitId: unit.id,
        departmentId: registrar?.departmentId ?? null,
        drafterId: registrarId,
        docType: doc.docType,
        title: doc.title,
        urgency: doc.urgency,
        copyNo: null,
        issuerMark: doc.issuerMark,
        numberCodeId: null,
        numberYear: null,
        numberSeq: null,
        docNumber: null,
        signers: doc.signers,
        mainRecipients: doc.mainRecipients,
        ccRecipients: doc.ccRecipients,
        signatureOrg: doc.signatureOrg,
        writtenOn: doc.writtenOn,
        note: doc.note,
        printedBy: doc.printedBy,
        printedOn: doc.printedOn,
        needsCountersign: false,
        bodyHtml: doc.bodyHtml,
        instanceId: null,
        sourceDocumentId: doc.id,
        fromUnitId: doc.unitId,
        receivedAt: null,
        pdfSha256: doc.pdfSha256,
        archivedAt: null,
      },
      { transaction: t },
    );
    // The sender's files go along (same blobs, new rows).
    const files = await Attachment.findAll({ where: { documentId: doc.id }, transaction: t });
    for (const file of files) {
      await Attachment.create(
        {
          documentId: incoming.id,
          kind: file.kind,
          name: file.name,
          sha256: file.sha256,
          size: file.size,
          mime: file.mime,
          uploadedById: file.uploadedById,
        },
        { transaction: t },
      );
    }
    await Distribution.create(
      {
        documentId: doc.id,
        unitId: unit.id,
        kind: target.kind,
        incomingDocumentId: incoming.id,
        signedAt: null,
        signedById: null,
      },
      { transaction: t },
    );
    const found = await findProcessForUnit("incoming", unit, t);
    if (!found) throw conflict("no_process", "No 收文 process is set up; ask the OA administrator");
    const started = await startInstance(
      {
        processVersionId: found.version.id,
        businessType: "document",
        businessId: incoming.id,
        drafterId: registrarId,
        form: businessForm(incoming),
      },
      t,
    );
    incoming.instanceId = started.instance.id;
    await incoming.save({ transaction: t });
    await notify(
      {
        recipients: started.opened.map((task) => task.assigneeId),
        kind: "oa.document.received",
        params: { documentTitle: doc.title, fromUnit: sender?.name ?? "" },
        link: `/oa/documents/${incoming.id}`,
        actorId: actor.id,
      },
      t,
    );
  }
}

/** 签收: the receiving registrar signs for a distributed document; the sender sees when. */
async function signFor(doc: OaDocument, actor: Actor, t: Transaction): Promise<void> {
  doc.receivedAt = new Date();
  const row = await Distribution.findOne({ where: { incomingDocumentId: doc.id }, transaction: t });
  if (!row) return;
  Object.assign(row, { signedAt: doc.receivedAt, signedById: actor.id });
  await row.save({ transaction: t });
  const original = await OaDocument.findByPk(row.documentId, { transaction: t });
  const unit = await Unit.findByPk(doc.unitId, { transaction: t });
  if (original) {
    await notify(
      {
        recipients: [original.drafterId],
        kind: "oa.document.signedFor",
        params: { documentTitle: original.title, unitName: unit?.name ?? "" },
        link: `/oa/documents/${original.id}`,
        actorId: actor.id,
      },
      t,
    );
  }
}

/** DA/T 22 全宗号 of a unit: its code's last part, as the archive writes codes (A–Z, 0–9). */
export function fondsCodeOf(unit: Unit): string {
  return (
    (unit.code.split(".").pop() ?? unit.code)
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, "")
      .slice(0, 16) || "OA"
  );
}

/**
 * 归档: hands the finished document, its PDF and attachments' names to the
 * archive's intake, in this transaction; the archive files it with its 档号.
 */
async function archiveDocument(doc: OaDocument, actor: Actor, t: Transaction): Promise<void> {
  const unit = await Unit.findByPk(doc.unitId, { transaction: t });
  if (!unit) throw notFound("Unit");
  const pdf = doc.pdfSha256
    ? await Attachment.findOne({ where: { documentId: doc.id, kind: "pdf", sha256: doc.pdfSha256 }, transaction: t })
    : null;
  const department = doc.departmentId ? await Department.findByPk(doc.departmentId, { transaction: t }) : null;
  const attachments = await Attachment.findAll({ where: { documentId: doc.id, kind: "attachment" }, transaction: t });
  const body = [bodyText(doc.bodyHtml), attachments.length ? `附件：${attachments.map((a) => a.name).join("；")}` : ""]
    .filter(Boolean)
    .join("\n\n");
  await handOverToArchive(
    {
      sourceKey: `oa:document:${doc.id}`,
      title: doc.title,
      docNumber: doc.docNumber,
      issuers: [doc.signatureOrg ?? unit.name],
      docType: doc.docType,
      issuedOn: doc.writtenOn,
      subjects: [],
      category: department?.name ?? null,
      body: body || doc.title,
      original: pdf ? { sha256: pdf.sha256, size: pdf.size, fileName: pdf.name, format: "pdf" } : null,
      openness: "内部",
      retention: "30年",
      fondsCode: fondsCodeOf(unit),
      organCode: null,
      submittedBy: actor.user.username,
    },
    t,
  );
  doc.archivedAt = new Date();
}

/** Steps of a 收文 at which the receiving unit may still send it back (初审 and before). */
export const SEND_BACK_ACTIONS: ReadonlySet<string> = new Set(["receive", "register", "screen"]);

/**
 * 初审 退回来文单位: the receiving registrar sends a distributed document back
 * with the reason. Its 收文 process ends; the sender's page shows which unit
 * sent it back and why, and the sender's drafter is told.
 */
export async function sendBack(doc: OaDocument, actor: Actor, reason: string, t: Transaction): Promise<void> {
  const tasks = await openTasksOfActor(doc, actor.id, t);
  if (
    doc.direction !== "incoming" ||
    !doc.instanceId ||
    !tasks.some((x) => x.action && SEND_BACK_ACTIONS.has(x.action))
  ) {
    throw conflict("cannot_send_back", "Only a received document at 签收, 登记 or 初审 can be sent back to its sender");
  }
  await terminate({ instanceId: doc.instanceId, actorId: actor.id, comment: reason }, t);
  doc.status = "returned";
  await doc.save({ transaction: t });
  const row = await Distribution.findOne({ where: { incomingDocumentId: doc.id }, transaction: t });
  if (!row) return;
  Object.assign(row, { returnedAt: new Date(), returnReason: reason });
  await row.save({ transaction: t });
  const original = await OaDocument.findByPk(row.documentId, { transaction: t });
  const unit = await Unit.findByPk(doc.unitId, { transaction: t });
  if (original) {
    await notify(
      {
        recipients: [original.drafterId],
        kind: "oa.document.sentBack",
        params: { documentTitle: original.title, unitName: unit?.name ?? "", reason },
        link: `/oa/documents/${original.id}`,
        actorId: actor.id,
      },
      t,
    );
  }
}

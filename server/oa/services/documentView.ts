import { Op, type Transaction } from "sequelize";
import type { Actor } from "../../core/actor.js";
import { Unit, User } from "../../org/models/index.js";
import { graphOf, passedTaskNodes, peekNext, withdrawable } from "../engine/engine.js";
import { HistoryEntry, Instance, Task } from "../models/engine.js";
import { Attachment, Distribution, DocumentRevision, type OaDocument } from "../models/document.js";
import { documentPolicy } from "../policies/document.js";
import { editableBy, SEND_BACK_ACTIONS } from "./documents.js";
import type { DocumentAbilities, MyTask } from "../presenters/shapes.js";

export type { MyTask };

export interface DocumentView {
  doc: OaDocument;
  unit: Unit;
  names: Map<number, string>;
  units: Map<number, Unit>;
  instance: Instance | null;
  tasks: Task[];
  history: HistoryEntry[];
  revisions: { revision: number; authorId: number | null; createdAt: Date }[];
  attachments: Attachment[];
  distributions: Distribution[];
  myTasks: MyTask[];
  doneNodeIds: string[];
  abilities: DocumentAbilities;
}

/** Everything the document page shows, and what the actor may do on it now. */
export async function loadDocumentView(
  doc: OaDocument,
  unit: Unit,
  actor: Actor,
  t?: Transaction,
): Promise<DocumentView> {
  const instance = doc.instanceId ? await Instance.findByPk(doc.instanceId, { transaction: t }) : null;
  const [tasks, history, revisions, attachments, distributions] = await Promise.all([
    instance
      ? Task.findAll({ where: { instanceId: instance.id }, order: [["id", "ASC"]], transaction: t })
      : Promise.resolve([]),
    instance
      ? HistoryEntry.findAll({ where: { instanceId: instance.id }, order: [["id", "ASC"]], transaction: t })
      : Promise.resolve([]),
    DocumentRevision.findAll({
      where: { documentId: doc.id },
      attributes: ["revision", "authorId", "createdAt"],
      order: [["revision", "ASC"]],
      transaction: t,
    }),
    Attachment.findAll({ where: { documentId: doc.id }, order: [["id", "ASC"]], transaction: t }),
    doc.direction === "outgoing"
      ? Distribution.findAll({ where: { documentId: doc.id }, order: [["id", "ASC"]], transaction: t })
      : Promise.resolve([]),
  ]);
  const userIds = new Set<number>([doc.drafterId]);
  for (const task of tasks) for (const id of [task.assigneeId, task.ownerId]) userIds.add(id);
  for (const h of history) {
    if (h.actorId) userIds.add(h.actorId);
    if (h.onBehalfOfId) userIds.add(h.onBehalfOfId);
  }
  for (const r of revisions) if (r.authorId) userIds.add(r.authorId);
  for (const d of distributions) if (d.signedById) userIds.add(d.signedById);
  const users = await User.findAll({ where: { id: [...userIds] }, attributes: ["id", "displayName"], transaction: t });
  const names = new Map(users.map((u) => [u.id, u.displayName]));
  const unitIds = [doc.unitId, doc.fromUnitId, ...distributions.map((d) => d.unitId)].filter(
    (id): id is number => id !== null,
  );
  const units = new Map(
    (await Unit.findAll({ where: { id: { [Op.in]: unitIds } }, transaction: t })).map((u) => [u.id, u]),
  );

  const running = instance?.status === "running";
  const graph = instance ? await graphOf(instance.processVersionId, t) : null;
  const form = instance ? (JSON.parse(instance.form) as Record<string, unknown>) : {};
  const passed = instance && graph ? await passedTaskNodes(instance.id, graph, t) : [];
  const mine = tasks.filter((task) => task.status === "open" && task.assigneeId === actor.id);
  const myTasks: MyTask[] = mine.map((task) => {
    const next = graph && task.kind === "do" ? peekNext(graph, task.nodeId, form) : null;
    return {
      id: task.id,
      kind: task.kind,
      nodeId: task.nodeId,
      nodeName: task.nodeName,
      action: task.action,
      returnTargets:
        task.kind === "do" && graph
          ? passed.filter((id) => id !== task.nodeId).map((id) => ({ nodeId: id, name: graph.node(id).name }))
          : [],
      next: next
        ? {
            nodeId: next.id,
            name: next.name,
            choose: next.assignee.kind === "chosen",
            countersign: next.type === "countersign",
          }
        : null,
      onBehalfOf: task.ownerId !== task.assigneeId ? (names.get(task.ownerId) ?? null) : null,
    };
  });
  const doneNodeIds = [...new Set(tasks.filter((x) => x.status === "done" && x.kind === "do").map((x) => x.nodeId))];
  const currentNode = graph && instance?.currentNodeId ? graph.nodes.get(instance.currentNodeId) : undefined;
  const registers = documentPolicy.register(actor, unit);
  const supervises = documentPolicy.supervise(actor, unit);
  const atStep = (action: string) => mine.some((task) => task.action === action);
  // Who may change the document may also attach files to it.
  const editable = editableBy(doc, actor.id, mine);
  const abilities: DocumentAbilities = {
    edit: editable,
    submit: doc.status === "draft" && doc.drafterId === actor.id,
    withdraw: running && instance ? await withdrawable(instance.id, actor.id, t) : false,
    changeSigners:
      running && currentNode?.type === "countersign" && (mine.some((x) => x.nodeId === currentNode.id) || supervises),
    urge: running && (doc.drafterId === actor.id || registers || supervises),
    terminate: running && documentPolicy.terminate(actor, unit),
    number: running && registers && doc.direction === "outgoing" && !doc.docNumber && atStep("number"),
    voidNumber: running && registers && doc.docNumber !== null && distributions.length === 0,
    renderPdf: registers && doc.direction === "outgoing" && doc.status !== "draft",
    circulate: running && (registers || mine.some((x) => x.kind === "do")),
    attach: editable,
    sendBack:
      running && doc.direction === "incoming" && mine.some((x) => x.action !== null && SEND_BACK_ACTIONS.has(x.action)),
  };
  return {
    doc,
    unit,
    names,
    units,
    instance,
    tasks,
    history,
    revisions,
    attachments,
    distributions,
    myTasks,
    doneNodeIds,
    abilities,
  };
}

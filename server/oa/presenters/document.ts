import { recipientsOf, type Attachment, type OaDocument } from "../models/document.js";
import type { DocumentView } from "../services/documentView.js";
import type { InboxRow } from "../services/inbox.js";
import type { AttachmentBody, DocumentFieldsBody, DocumentViewBody, InboxItem } from "./shapes.js";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentAttachment(a: Attachment): AttachmentBody {
  return { id: a.id, kind: a.kind, name: a.name, size: a.size, mime: a.mime, createdAt: iso(a.createdAt) };
}

/** The fields of a document that leave the server (never the blob hashes or internal ids of other rows). */
export function presentDocumentFields(doc: OaDocument): DocumentFieldsBody {
  return {
    id: doc.id,
    direction: doc.direction,
    status: doc.status,
    unitId: doc.unitId,
    departmentId: doc.departmentId,
    drafterId: doc.drafterId,
    docType: doc.docType,
    title: doc.title,
    urgency: doc.urgency,
    copyNo: doc.copyNo,
    issuerMark: doc.issuerMark,
    docNumber: doc.docNumber,
    signers: JSON.parse(doc.signers) as string[],
    mainRecipients: recipientsOf(doc.mainRecipients),
    ccRecipients: recipientsOf(doc.ccRecipients),
    signatureOrg: doc.signatureOrg,
    writtenOn: doc.writtenOn,
    note: doc.note,
    printedBy: doc.printedBy,
    printedOn: doc.printedOn,
    needsCountersign: doc.needsCountersign,
    bodyHtml: doc.bodyHtml,
    bodyRevision: doc.bodyRevision,
    sourceDocumentId: doc.sourceDocumentId,
    fromUnitId: doc.fromUnitId,
    receivedAt: iso(doc.receivedAt),
    hasPdf: doc.pdfSha256 !== null,
    archivedAt: iso(doc.archivedAt),
    createdAt: iso(doc.createdAt),
    updatedAt: iso(doc.updatedAt),
  };
}

export function presentDocumentView(view: DocumentView): DocumentViewBody {
  const name = (id: number | null) => (id === null ? null : (view.names.get(id) ?? null));
  const unitName = (id: number | null) => (id === null ? null : (view.units.get(id)?.name ?? null));
  return {
    ...presentDocumentFields(view.doc),
    unitName: view.unit.name,
    drafterName: name(view.doc.drafterId),
    fromUnitName: unitName(view.doc.fromUnitId),
    process: view.instance
      ? {
          instanceId: view.instance.id,
          processVersionId: view.instance.processVersionId,
          status: view.instance.status,
          currentNodeId: view.instance.currentNodeId,
          doneNodeIds: view.doneNodeIds,
        }
      : null,
    tasks: view.tasks.map((task) => ({
      id: task.id,
      kind: task.kind,
      nodeId: task.nodeId,
      nodeName: task.nodeName,
      action: task.action,
      status: task.status,
      role: task.role ?? null,
      outcome: task.outcome,
      assigneeName: name(task.assigneeId),
      ownerId: task.ownerId,
      ownerName: task.ownerId !== task.assigneeId ? name(task.ownerId) : null,
      comment: task.comment,
      createdAt: iso(task.createdAt),
      dueAt: iso(task.dueAt),
      completedAt: iso(task.completedAt),
    })),
    history: view.history.map((h) => ({
      id: h.id,
      action: h.action,
      nodeId: h.nodeId,
      nodeName: h.nodeName,
      actorName: name(h.actorId),
      onBehalfOfName: name(h.onBehalfOfId),
      comment: h.comment,
      detail: h.detail ? (JSON.parse(h.detail) as Record<string, unknown>) : null,
      at: iso(h.createdAt),
    })),
    revisions: view.revisions.map((r) => ({
      revision: r.revision,
      authorName: name(r.authorId),
      at: iso(r.createdAt),
    })),
    attachments: view.attachments.map(presentAttachment),
    distributions: view.distributions.map((d) => ({
      unitId: d.unitId,
      unitName: unitName(d.unitId),
      kind: d.kind,
      signedAt: iso(d.signedAt),
      signedByName: name(d.signedById),
      returnedAt: iso(d.returnedAt ?? null),
      returnReason: d.returnReason ?? null,
    })),
    myTasks: view.myTasks,
    abilities: view.abilities,
  };
}

export function presentInboxRow(row: InboxRow): InboxItem {
  return { ...row, at: iso(row.at), dueAt: iso(row.dueAt) };
}

import { QueryTypes, type Sequelize } from "sequelize";
import type { Actor } from "../../core/actor.js";
import type { InboxBox } from "../presenters/shapes.js";

/**
 * The lists of the OA's menu: 待办 (open tasks), 待阅 (open reading tasks),
 * 已办 (documents the person acted on), 我的草稿, and 督办 (overdue work in the
 * units a supervisor oversees). Each is one statement for the page and one
 * for the total, read through the indexes made for them (oa_tasks_inbox,
 * oa_history (actorId, id), oa_tasks_due), so they stay fast at millions of
 * tasks; the menu's badges are the same totals.
 */

export interface InboxRow {
  taskId: number | null;
  nodeName: string | null;
  action: string | null;
  /** When the task reached the person, or when they last acted (已办), or last saved (草稿). */
  at: Date;
  dueAt: Date | null;
  documentId: number;
  title: string;
  docType: string;
  urgency: string | null;
  docNumber: string | null;
  direction: string;
  status: string;
  drafterName: string;
  unitName: string;
  /** 督办: who the task waits for. */
  assigneeName?: string;
  /** The person acts for this owner (委托). */
  onBehalfOfName?: string | null;
}

export interface InboxPage {
  items: InboxRow[];
  total: number;
}

export type { InboxBox };

const DOCUMENT_COLUMNS = `d.id AS documentId, d.title AS title, d.docType AS docType, d.urgency AS urgency,
  d.docNumber AS docNumber, d.direction AS direction, d.status AS status,
  dr.displayName AS drafterName, un.name AS unitName`;
const DOCUMENT_JOINS = `JOIN oa_documents d ON d.id = i.businessId
  JOIN users dr ON dr.id = d.drafterId
  JOIN units un ON un.id = d.unitId`;

/**
 * 待办 and 待阅 (`:kind` "do" or "read"): the page and its total. Exported so
 * that bench/oa.ts's baseline route runs exactly this through mysql2.
 */
export const TASK_LIST_SQL = {
  page: `SELECT t.id AS taskId, t.nodeName AS nodeName, t.action AS action, t.createdAt AS at, t.dueAt AS dueAt,
                ow.displayName AS onBehalfOfName, ${DOCUMENT_COLUMNS}
           FROM oa_tasks t
           JOIN oa_instances i ON i.id = t.instanceId AND i.businessType = 'document'
           ${DOCUMENT_JOINS}
           LEFT JOIN users ow ON ow.id = t.ownerId AND t.ownerId <> t.assigneeId
          WHERE t.assigneeId = :me AND t.kind = :kind AND t.status = 'open'
          ORDER BY t.id DESC LIMIT :limit OFFSET :offset`,
  count: `SELECT COUNT(*) AS n FROM oa_tasks t WHERE t.assigneeId = :me AND t.kind = :kind AND t.status = 'open'`,
};

function rowOf(raw: Record<string, unknown>): InboxRow {
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return {
    taskId: raw.taskId === undefined || raw.taskId === null ? null : Number(raw.taskId),
    nodeName: (raw.nodeName as string | null) ?? null,
    action: (raw.action as string | null) ?? null,
    at: date(raw.at) ?? new Date(0),
    dueAt: date(raw.dueAt),
    documentId: Number(raw.documentId),
    title: String(raw.title),
    docType: String(raw.docType),
    urgency: (raw.urgency as string | null) ?? null,
    docNumber: (raw.docNumber as string | null) ?? null,
    direction: String(raw.direction),
    status: String(raw.status),
    drafterName: String(raw.drafterName),
    unitName: String(raw.unitName),
    ...(raw.assigneeName !== undefined ? { assigneeName: String(raw.assigneeName) } : {}),
    ...(raw.onBehalfOfName !== undefined ? { onBehalfOfName: (raw.onBehalfOfName as string | null) ?? null } : {}),
  };
}

/** The unit paths a supervisor oversees (each with its subtree), or "all". */
function supervisedPaths(actor: Actor): "all" | string[] {
  return actor.scopeOf("oa.supervise");
}

function pathFilter(paths: string[], replacements: Record<string, unknown>): string {
  paths.forEach((p, i) => (replacements[`path${i}`] = `${p}%`));
  return `(${paths.map((_, i) => `un.path LIKE :path${i}`).join(" OR ")})`;
}

export async function inboxPage(
  sequelize: Sequelize,
  actor: Actor,
  box: InboxBox,
  page: { offset: number; limit: number },
  now = new Date(),
): Promise<InboxPage> {
  const replacements: Record<string, unknown> = { me: actor.id, ...page, now };
  const select = async (sql: string, countSql: string): Promise<InboxPage> => {
    const [rows, counted] = await Promise.all([
      page.limit === 0 ? [] : sequelize.query<Record<string, unknown>>(sql, { replacements, type: QueryTypes.SELECT }),
      sequelize.query<{ n: number }>(countSql, { replacements, type: QueryTypes.SELECT }),
    ]);
    return { items: rows.map(rowOf), total: Number(counted[0]?.n ?? 0) };
  };
  switch (box) {
    case "todo":
    case "toRead": {
      replacements.kind = box === "todo" ? "do" : "read";
      return select(TASK_LIST_SQL.page, TASK_LIST_SQL.count);
    }
    case "done":
      return select(
        `SELECT NULL AS taskId, NULL AS nodeName, NULL AS action, h.at AS at, NULL AS dueAt, ${DOCUMENT_COLUMNS}
           FROM (SELECT instanceId, MAX(id) AS lastId, MAX(createdAt) AS at FROM oa_history
                  WHERE actorId = :me AND action IN ('submit', 'approve', 'return', 'transfer', 'read')
                  GROUP BY instanceId) h
           JOIN oa_instances i ON i.id = h.instanceId AND i.businessType = 'document'
           ${DOCUMENT_JOINS}
          ORDER BY h.lastId DESC LIMIT :limit OFFSET :offset`,
        `SELECT COUNT(DISTINCT instanceId) AS n FROM oa_history
          WHERE actorId = :me AND action IN ('submit', 'approve', 'return', 'transfer', 'read')`,
      );
    case "drafts":
      return select(
        `SELECT NULL AS taskId, NULL AS nodeName, NULL AS action, d.updatedAt AS at, NULL AS dueAt, ${DOCUMENT_COLUMNS}
           FROM oa_documents d JOIN users dr ON dr.id = d.drafterId JOIN units un ON un.id = d.unitId
          WHERE d.drafterId = :me AND d.status = 'draft'
          ORDER BY d.updatedAt DESC, d.id DESC LIMIT :limit OFFSET :offset`,
        `SELECT COUNT(*) AS n FROM oa_documents d WHERE d.drafterId = :me AND d.status = 'draft'`,
      );
    case "overdue": {
      const paths = supervisedPaths(actor);
      if (paths !== "all" && paths.length === 0) return { items: [], total: 0 };
      const scope = paths === "all" ? "1 = 1" : pathFilter(paths, replacements);
      return select(
        `SELECT t.id AS taskId, t.nodeName AS nodeName, t.action AS action, t.createdAt AS at, t.dueAt AS dueAt,
                a.displayName AS assigneeName, ${DOCUMENT_COLUMNS}
           FROM oa_tasks t
           JOIN oa_instances i ON i.id = t.instanceId AND i.businessType = 'document'
           ${DOCUMENT_JOINS}
           JOIN users a ON a.id = t.assigneeId
          WHERE t.status = 'open' AND t.kind = 'do' AND t.dueAt < :now AND ${scope}
          ORDER BY t.dueAt ASC, t.id ASC LIMIT :limit OFFSET :offset`,
        `SELECT COUNT(*) AS n
           FROM oa_tasks t
           JOIN oa_instances i ON i.id = t.instanceId AND i.businessType = 'document'
           JOIN oa_documents d ON d.id = i.businessId
           JOIN units un ON un.id = d.unitId
          WHERE t.status = 'open' AND t.kind = 'do' AND t.dueAt < :now AND ${scope}`,
      );
    }
  }
}

/** The menu's badges: the totals of the lists (so a badge always equals its list's length). */
export async function inboxCounts(sequelize: Sequelize, actor: Actor): Promise<Record<InboxBox, number>> {
  const one = { offset: 0, limit: 0 };
  const boxes: InboxBox[] = ["todo", "toRead", "drafts", "overdue"];
  const totals = await Promise.all(boxes.map((box) => inboxPage(sequelize, actor, box, one).then((p) => p.total)));
  return { todo: totals[0]!, toRead: totals[1]!, drafts: totals[2]!, overdue: totals[3]!, done: 0 };
}

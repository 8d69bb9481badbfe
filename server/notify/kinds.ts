/**
 * The catalogue of notification kinds: each kind names the values its message
 * needs, as a zod schema. `notify` refuses a kind that is not here and params
 * that do not fit, so nothing reaches a person that the client cannot render;
 * the client has a message per kind (notify.kinds.<kind with . as _> in every
 * locale, checked by kinds.test.ts) and takes its types from this file.
 *
 * To add a kind: a line here and a message in client/src/locales/{zh-CN,zh-TW,en}/notify.ts.
 *
 * Imports nothing but zod: the client imports this file's types (type-only, erased from the bundle).
 */
import { z } from "zod";

/**
 * Text shown inside a message. Clipped, not refused, when too long: a
 * notification is a pointer to the document, which holds the whole text, and
 * an over-long comment must not roll back the approval it belongs to.
 */
const shown = (max: number) =>
  z.string().transform((value) => (value.length > max ? `${value.slice(0, max - 1)}…` : value));
const title = shown(200);
const name = shown(100);
/** A person's own words (a 催办 message, a reason for returning): a preview of what the history keeps. */
const words = shown(200);
/** A moment, given as a Date or an ISO 8601 string; stored and sent as an ISO string in UTC. */
const moment = z
  .union([z.date(), z.iso.datetime({ offset: true })])
  .transform((value) => new Date(value).toISOString());
const count = z.number().int().min(0);

export const NOTIFICATION_KINDS = {
  /** A task reached the person (a new step, a 会签 signer added, a transfer, a delegate acting for someone). */
  "oa.task.assigned": z.strictObject({ documentTitle: title, nodeName: name }),
  /** The deadline of a task is near. */
  "oa.task.remind": z.strictObject({ documentTitle: title, nodeName: name, dueAt: moment }),
  /** A task passed its deadline; to its assignee, and to supervisors with the assignee's name. */
  "oa.task.overdue": z.strictObject({
    documentTitle: title,
    nodeName: name,
    dueAt: moment,
    assigneeName: name.optional(),
  }),
  /** 催办: someone asked the person to act. */
  "oa.task.urged": z.strictObject({ documentTitle: title, nodeName: name, message: words, byName: name }),
  /** 退回: the document came back to the person, with the reason. */
  "oa.document.returned": z.strictObject({ documentTitle: title, nodeName: name, byName: name, comment: words }),
  /** 撤回: the sender took the document back before the person acted. */
  "oa.document.withdrawn": z.strictObject({ documentTitle: title, byName: name }),
  /** 收文: a distributed document arrived in the unit's registrar queue. */
  "oa.document.received": z.strictObject({ documentTitle: title, fromUnit: name }),
  /** 签收: a receiving unit signed for a distributed document (to the sender). */
  "oa.document.signedFor": z.strictObject({ documentTitle: title, unitName: name }),
  /** 初审: a receiving unit sent the distributed document back, with the reason (to the sender). */
  "oa.document.sentBack": z.strictObject({ documentTitle: title, unitName: name, reason: words }),
  /** 办结: the document finished its process (to the drafter). */
  "oa.document.finished": z.strictObject({ documentTitle: title }),
  /** 委托: someone's work comes to the person for a date range. */
  "oa.delegation.started": z.strictObject({ fromName: name, startsAt: moment, endsAt: moment }),
  /** 传阅/待阅: the person is asked to read a document. */
  "oa.read.requested": z.strictObject({ documentTitle: title, byName: name }),
  /** A mailbox the person holds (theirs, or a unit mailbox they share) is nearly full. */
  "mail.quota.warning": z.strictObject({ address: name, percent: count }),
  /** A copy of a title the person waits for is kept for them until `claimUntil`: borrow it before then. */
  "library.hold.ready": z.strictObject({ title, claimUntil: moment }),
  /** An archive import the person started has finished. */
  "archive.import.finished": z.strictObject({ created: count, failed: count }),
} as const satisfies Record<string, z.ZodType<Record<string, unknown>>>;

export type NotificationKind = keyof typeof NOTIFICATION_KINDS;

export const NOTIFICATION_KIND_NAMES = Object.keys(NOTIFICATION_KINDS) as NotificationKind[];

/** What a caller passes for a kind (a Date may stand for a moment). */
export type NotificationParamsInput<K extends NotificationKind> = z.input<(typeof NOTIFICATION_KINDS)[K]>;

/** What is stored and sent to the client for a kind. */
export type NotificationParams<K extends NotificationKind> = z.output<(typeof NOTIFICATION_KINDS)[K]>;

export function isNotificationKind(value: string): value is NotificationKind {
  return Object.hasOwn(NOTIFICATION_KINDS, value);
}

/** A kind with its params, as one discriminated union (what a presented notification carries). */
export type NotificationMessage = {
  [K in NotificationKind]: { kind: K; params: NotificationParams<K> };
}[NotificationKind];

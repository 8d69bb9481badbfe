/**
 * Documents handed to the archive by other modules — the OA's 归档 step — and
 * turned into archive records with their 档号.
 *
 * The sender calls handOverToArchive() inside its own transaction (so the
 * hand-over exists exactly when its 归档 commits), with the original already
 * in the blob store. That leaves an intake row and queues the intake job; the
 * job files each pending row in a transaction of its own: the record (source
 * "oa"), its 档号 from the group's counter, the receipt on the row, an audit
 * event. A row that cannot be filed is marked failed with the reason and
 * waits for an archivist to retry it; the others go on. Handing the same
 * document over again (its sourceKey) updates its record and keeps its 档号.
 */
import { createHash } from "node:crypto";
import type { Sequelize, Transaction } from "sequelize";
import { z } from "zod";
import { recordAuditEvent } from "../../audit/services/auditChain.js";
import type { BlobStore } from "../../core/blobStore.js";
import { enqueueJob } from "../../jobs/services/queue.js";
import type { JobHandler, JobServices } from "../../jobs/services/runner.js";
import { ArchiveIntake, OPENNESS, RETENTIONS } from "../models/index.js";
import { ARCHIVE_CODE_PART, nextArchiveCode } from "./archiveCode.js";
import { originalType } from "./originals.js";
import { importRecord } from "./records.js";

export const ARCHIVE_INTAKE_JOB = "archive.intake";
const BATCH = 20;

const line = (max: number) => z.string().trim().min(1).max(max);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** What a sender hands over. */
export const HandOverSchema = z.object({
  /** The sender's stable key, e.g. "oa:document:123". */
  sourceKey: z.string().regex(/^[a-z]+:[\w:./-]{1,200}$/),
  title: line(500),
  docNumber: line(64).nullable().default(null),
  issuers: z.array(line(64)).max(20).default([]),
  docType: line(32).nullable().default(null),
  issuedOn: date.nullable().default(null),
  effectiveOn: date.nullable().default(null),
  subjects: z.array(line(32)).max(50).default([]),
  category: line(64).nullable().default(null),
  body: z.string().max(20_000_000),
  /** The original, already put in the blob store by the sender. */
  original: z
    .object({
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      size: z.number().int().min(0),
      fileName: line(255),
      format: z.enum(["pdf", "docx", "html", "markdown", "text"]),
    })
    .nullable()
    .default(null),
  openness: z.enum(OPENNESS),
  retention: z.enum(RETENTIONS),
  fondsCode: z.string().regex(ARCHIVE_CODE_PART),
  organCode: z.string().regex(ARCHIVE_CODE_PART).nullable().default(null),
  /** 年度; by default the year of issuedOn, else the current year. */
  year: z.number().int().min(1949).max(2100).optional(),
  /** Who hands it over (the registrar's username). */
  submittedBy: line(128),
});
export type HandOver = z.input<typeof HandOverSchema>;

/**
 * Leaves a document for the archive, in the sender's transaction, and queues
 * the job that files it. Throws on input the archive cannot take (a bug in the
 * sender, not a user's mistake: the sender builds it from its own records).
 */
export async function handOverToArchive(input: HandOver, transaction: Transaction): Promise<ArchiveIntake> {
  const data = HandOverSchema.parse(input);
  const values = {
    title: data.title,
    docNumber: data.docNumber,
    issuers: data.issuers,
    docType: data.docType,
    issuedOn: data.issuedOn,
    effectiveOn: data.effectiveOn,
    subjects: data.subjects,
    category: data.category,
    body: data.body,
    fileName: data.original?.fileName ?? null,
    fileFormat: data.original?.format ?? null,
    fileSha256: data.original?.sha256 ?? null,
    fileSize: data.original?.size ?? null,
    openness: data.openness,
    retention: data.retention,
    fondsCode: data.fondsCode,
    organCode: data.organCode,
    year: data.year ?? (data.issuedOn ? Number(data.issuedOn.slice(0, 4)) : new Date().getFullYear()),
    submittedBy: data.submittedBy,
    state: "pending" as const,
    error: null,
  };
  const existing = await ArchiveIntake.findOne({ where: { sourceKey: data.sourceKey }, transaction });
  const row = existing
    ? await existing.update(values, { transaction })
    : await ArchiveIntake.create(
        { ...values, sourceKey: data.sourceKey, recordId: null, archiveCode: null },
        { transaction },
      );
  // A job of its own, not one shared by a dedupe key: a shared job waiting in the queue could be claimed and
  // run before this transaction commits, and leave this hand-over pending. A job that finds nothing left to
  // file (an earlier one filed it) costs one query.
  await enqueueJob(ARCHIVE_INTAKE_JOB, null, { transaction });
  return row;
}

/** A failed hand-over goes back to pending (an archivist's retry, after the cause was fixed). */
export async function retryIntake(row: ArchiveIntake, transaction: Transaction): Promise<void> {
  await row.update({ state: "pending", error: null }, { transaction });
  await enqueueJob(ARCHIVE_INTAKE_JOB, null, { transaction });
}

/** What makes a hand-over the same as the last one filed: an unchanged document changes nothing. */
function contentHash(row: ArchiveIntake): string {
  const { title, docNumber, issuers, docType, issuedOn, effectiveOn, subjects, category, body, fileSha256 } = row;
  return createHash("sha256")
    .update(
      JSON.stringify([title, docNumber, issuers, docType, issuedOn, effectiveOn, subjects, category, body, fileSha256]),
    )
    .digest("hex");
}

/**
 * Why a hand-over could not be filed, as a code the screens translate: the
 * original is not in the blob store (the sender's storage and ours differ, or
 * it was removed). Anything else is kept as its message, code "error".
 */
export const INTAKE_FAILURES = ["original_missing"] as const;
class IntakeFailure extends Error {
  constructor(readonly code: (typeof INTAKE_FAILURES)[number]) {
    super(code);
  }
}

/** Files one pending row; false when another instance filed it first. */
async function fileOne(sequelize: Sequelize, blobs: BlobStore, id: number): Promise<boolean> {
  return sequelize.transaction(async (t) => {
    // The claim: exactly one transaction moves the row off pending (the other waits for the row lock, then sees 0).
    const [claimed] = await ArchiveIntake.update(
      { state: "archived" },
      { where: { id, state: "pending" }, transaction: t },
    );
    if (claimed !== 1) return false;
    const row = (await ArchiveIntake.findByPk(id, { transaction: t }))!;
    if (row.fileSha256 && !(await blobs.has(row.fileSha256))) throw new IntakeFailure("original_missing");
    const { record } = await importRecord(
      {
        title: row.title,
        docNumber: row.docNumber,
        issuers: row.issuers,
        docType: row.docType,
        issuedOn: row.issuedOn,
        effectiveOn: row.effectiveOn,
        subjects: row.subjects,
        category: row.category,
        body: row.body,
        validity: "有效",
      },
      {
        sourceKey: row.sourceKey,
        contentHash: contentHash(row),
        fileName: row.fileName ?? `${row.title.slice(0, 200)}.txt`,
        fileFormat: row.fileFormat ?? "text",
        pages: null,
        needsOcr: false,
        openness: row.openness,
        retention: row.retention,
        original:
          row.fileSha256 && row.fileFormat
            ? { sha256: row.fileSha256, size: Number(row.fileSize ?? 0), type: originalType(row.fileFormat) }
            : null,
      },
      "oa",
      t,
    );
    if (!record.archiveCode) {
      const archiveCode = await nextArchiveCode(
        { fondsCode: row.fondsCode, year: row.year, retention: row.retention, organCode: row.organCode },
        t,
      );
      await record.update({ archiveCode }, { transaction: t });
    }
    await row.update({ recordId: record.id, archiveCode: record.archiveCode }, { transaction: t });
    await recordAuditEvent(
      sequelize,
      {
        action: "archive.intake",
        outcome: "success",
        actorId: null,
        actorName: `system:${ARCHIVE_INTAKE_JOB}`,
        ip: null,
        targetType: "archive_record",
        targetId: record.id,
        detail: { sourceKey: row.sourceKey, archiveCode: record.archiveCode, submittedBy: row.submittedBy },
      },
      t,
    );
    return true;
  });
}

/** The job that files pending hand-overs, oldest first, until none is left. */
export function archiveIntakeJob(deps: Pick<JobServices, "sequelize" | "blobs" | "drainSearch">): JobHandler {
  return {
    concurrency: 1,
    async run(_payload, { signal }) {
      let filed = 0;
      let after = 0;
      for (;;) {
        signal.throwIfAborted();
        const batch = await ArchiveIntake.findAll({
          attributes: ["id"],
          where: { state: "pending" },
          order: [["id", "ASC"]],
          limit: BATCH,
        });
        const fresh = batch.filter((row) => row.id > after);
        if (fresh.length === 0) break;
        for (const { id } of fresh) {
          after = id;
          try {
            if (await fileOne(deps.sequelize, deps.blobs, id)) filed += 1;
          } catch (error) {
            // This document waits for an archivist; the others are filed.
            const message =
              error instanceof IntakeFailure ? error.code : error instanceof Error ? error.message : String(error);
            await ArchiveIntake.update({ state: "failed", error: message.slice(0, 2000) }, { where: { id } });
          }
        }
      }
      if (filed > 0) await deps.drainSearch();
    },
  };
}

export async function listIntake(state: string | undefined, page: number, pageSize: number) {
  return ArchiveIntake.findAndCountAll({
    attributes: { exclude: ["body"] },
    where: state ? { state } : {},
    order: [["id", "DESC"]],
    limit: pageSize,
    offset: (page - 1) * pageSize,
  });
}

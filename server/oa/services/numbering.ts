import { literal, type Transaction } from "sequelize";
import { conflict, notFound } from "../../core/errors.js";
import { NumberCode, NumberCounter, NumberLog, OaDocument } from "../models/document.js";

/** 文号 = 机关代字 + 〔year〕 + number + 号, no leading zeros (GB/T 9704-2012 7.2.4). */
export function formatDocNumber(code: string, year: number, seq: number): string {
  return `${code}〔${year}〕${seq}号`;
}

/**
 * Gives a document the next 文号 under a 机关代字 for a year. The counter row
 * is bumped inside the caller's transaction, so concurrent numberings under
 * one code queue on that row (its write lock) and each reads the value it
 * wrote: numbers are never given twice, and a numbering that rolls back gives
 * its number back, so the sequence has no gaps. Runs in a workflowTransaction
 * (READ COMMITTED on MariaDB).
 */
export async function assignNumber(
  props: { document: OaDocument; codeId: number; year: number; actorId: number },
  t: Transaction,
): Promise<NumberLog> {
  const { document, codeId, year } = props;
  if (document.docNumber) {
    throw conflict("already_numbered", `This document already has the number ${document.docNumber}`);
  }
  const code = await NumberCode.findByPk(codeId, { transaction: t });
  if (!code || !code.enabled) throw notFound("Issuer code");
  if (code.unitId !== document.unitId) {
    throw conflict("code_of_other_unit", "This issuer code belongs to another unit");
  }
  // Numberings under one code queue here, on the code's row, before anything else is written: the
  // year's counter row may not exist yet, and concurrent INSERT IGNOREs of one key deadlock on MariaDB.
  // (Sequelize drops an update that sets only updatedAt, so the statement is written out.)
  await NumberCode.sequelize!.query("UPDATE oa_number_codes SET updatedAt = :now WHERE id = :codeId", {
    replacements: { now: new Date(), codeId },
    transaction: t,
  });
  await NumberCounter.bulkCreate([{ codeId, year, last: 0 }], { ignoreDuplicates: true, transaction: t });
  await NumberCounter.update({ last: literal("last + 1") }, { where: { codeId, year }, transaction: t });
  const counter = await NumberCounter.findOne({ where: { codeId, year }, transaction: t });
  const seq = counter!.last;
  const docNumber = formatDocNumber(code.code, year, seq);
  // The document takes the number only if nobody numbered it meanwhile (two registrars, one click each).
  const [claimed] = await OaDocument.update(
    { numberCodeId: codeId, numberYear: year, numberSeq: seq, docNumber },
    { where: { id: document.id, docNumber: null }, transaction: t },
  );
  if (claimed === 0) throw conflict("already_numbered", "Someone numbered this document a moment ago");
  Object.assign(document, { numberCodeId: codeId, numberYear: year, numberSeq: seq, docNumber });
  return NumberLog.create(
    { codeId, year, seq, docNumber, documentId: document.id, status: "issued", reason: null, actorId: props.actorId },
    { transaction: t },
  );
}

/**
 * Voids (作废) a document's number: it stays in the log, marked voided with
 * the reason, and is never given again; the document can then be numbered anew.
 */
export async function voidNumber(
  props: { document: OaDocument; reason: string; actorId: number },
  t: Transaction,
): Promise<NumberLog> {
  const { document } = props;
  if (!document.docNumber || document.numberCodeId === null) {
    throw conflict("not_numbered", "This document has no number to void");
  }
  const entry = await NumberLog.findOne({
    where: { codeId: document.numberCodeId, year: document.numberYear!, seq: document.numberSeq!, status: "issued" },
    transaction: t,
  });
  if (!entry) throw conflict("not_numbered", "This document has no number to void");
  Object.assign(entry, { status: "voided", reason: props.reason.trim(), actorId: props.actorId });
  await entry.save({ transaction: t });
  Object.assign(document, { numberCodeId: null, numberYear: null, numberSeq: null, docNumber: null });
  await document.save({ transaction: t });
  return entry;
}

/**
 * 档号 as DA/T 22-2015 (归档文件整理规则) builds them for filed documents:
 * 全宗号-年度-保管期限-机构(问题)代码-件号, e.g. J001-2006-Y-BGS-0012, the organ
 * part left out by a fonds that does not use it. 件号 run from 0001 in each
 * group without gaps: the counter moves in the transaction that files the
 * document, so a document that fails to file gives its number back.
 */
import { UniqueConstraintError, literal, type Transaction } from "sequelize";
import { ArchiveCodeCounter, ArchiveRecord, type Retention } from "../models/index.js";

/** 保管期限 codes of DA/T 22-2015: 永久 Y, 定期30年 D30, 定期10年 D10. */
export const RETENTION_CODES: Readonly<Record<Retention, string>> = { 永久: "Y", "30年": "D30", "10年": "D10" };

/** 全宗号 and 机构(问题)代码: capital letters and digits (J001, BGS). */
export const ARCHIVE_CODE_PART = /^[A-Z0-9]{1,16}$/;

export interface ArchiveCodeGroup {
  fondsCode: string;
  year: number;
  retention: Retention;
  organCode: string | null;
}

export function formatArchiveCode(group: ArchiveCodeGroup, item: number): string {
  return [
    group.fondsCode,
    String(group.year),
    RETENTION_CODES[group.retention],
    ...(group.organCode ? [group.organCode] : []),
    String(item).padStart(4, "0"),
  ].join("-");
}

/** Moves the group's counter on by one, in the caller's transaction, and answers the new 件号. */
async function nextItem(group: ArchiveCodeGroup, transaction: Transaction): Promise<number> {
  const key = {
    fondsCode: group.fondsCode,
    year: group.year,
    retention: group.retention,
    organCode: group.organCode ?? "",
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    // The UPDATE takes the row's lock: a second filer in the same group waits for this transaction.
    const [changed] = await ArchiveCodeCounter.update({ last: literal("last + 1") }, { where: key, transaction });
    if (changed === 1) return (await ArchiveCodeCounter.findOne({ where: key, transaction }))!.last;
    try {
      await ArchiveCodeCounter.create({ ...key, last: 1 }, { transaction });
      return 1;
    } catch (error) {
      // Another transaction created the group's counter first: move it on instead.
      if (!(error instanceof UniqueConstraintError)) throw error;
    }
  }
  throw new Error(`could not number in ${formatArchiveCode(group, 0)}`);
}

/**
 * The next free 档号 of a group. A number an archivist has already typed on a
 * record by hand is passed over (it is taken, so this leaves no gap).
 */
export async function nextArchiveCode(group: ArchiveCodeGroup, transaction: Transaction): Promise<string> {
  for (;;) {
    const code = formatArchiveCode(group, await nextItem(group, transaction));
    if ((await ArchiveRecord.count({ where: { archiveCode: code }, transaction })) === 0) return code;
  }
}

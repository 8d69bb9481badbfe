import { Op } from "sequelize";
import { LibraryClass, LibraryFile, LibraryLoan, type LibraryTitle } from "../models/index.js";
import type { Acquisition } from "../presenters/opds.js";
import { classPathOf } from "./catalogueBrowser.js";

/** What a page of acquisition entries needs besides the titles, loaded in one query each (never one per title). */
export interface EntryContext {
  files: Map<number, LibraryFile[]>;
  acquisition: Map<number, Acquisition>;
  classLabel: Map<number, string | null>;
}

/**
 * For a page of titles: their files, how the patron may get each (open
 * access, a loan they hold, or a borrow), and the names of their 中图法 classes.
 */
export async function entryContext(titles: readonly LibraryTitle[], userId: number): Promise<EntryContext> {
  const ids = titles.map((t) => t.id);
  const codes = [...new Set(titles.flatMap((t) => classPathOf(t.classCode)))];
  const [files, loans, classes] = await Promise.all([
    ids.length ? LibraryFile.findAll({ where: { titleId: ids }, order: [["id", "ASC"]] }) : [],
    ids.length
      ? LibraryLoan.findAll({
          where: { userId, titleId: ids, state: "active", dueAt: { [Op.gt]: new Date() } },
          attributes: ["titleId"],
        })
      : [],
    codes.length ? LibraryClass.findAll({ where: { code: codes } }) : [],
  ]);
  const byTitle = new Map<number, LibraryFile[]>();
  for (const f of files) byTitle.set(f.titleId, [...(byTitle.get(f.titleId) ?? []), f]);
  const onLoan = new Set(loans.map((l) => l.titleId));
  const names = new Map(classes.map((c) => [c.code, c.name]));
  return {
    files: byTitle,
    acquisition: new Map(
      titles.map((t) => [t.id, t.licenceModel === "open" ? "open-access" : onLoan.has(t.id) ? "loan" : "borrow"]),
    ),
    classLabel: new Map(
      titles.map((t) => {
        const path = classPathOf(t.classCode).flatMap((c) => (names.has(c) ? [`${c} ${names.get(c)}`] : []));
        return [t.id, path.length ? path.join(" › ") : null];
      }),
    ),
  };
}

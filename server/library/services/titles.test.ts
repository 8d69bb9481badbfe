// The catalogue's changes on a real database (SQLite by default, MariaDB with DATABASE_URL=mysql://…),
// with the full text of a real book of ../shared/corpus/books.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { parseEnv } from "../../env.js";
import { createLogger } from "../../core/logger.js";
import { AppError } from "../../core/errors.js";
import { insertRows } from "../../core/rows.js";
import { prepareDatabase } from "../../server.js";
import { Unit, User } from "../../org/models/index.js";
import { SearchOutbox, drainOutbox } from "../../search/outbox.js";
import { openSearch } from "../../search/index.js";
import { reindex } from "../../search/reindex.js";
import type { SearchBackend } from "../../search/types.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { extractText } from "../../../archive-importer/extract.js";
import { closePdfReaders } from "../../../archive-importer/pdfText.js";
import { LibraryHold } from "../models/index.js";
import { borrow, placeHold, returnLoan } from "./lending.js";
import {
  LIBRARY_COLLECTION,
  TitleFieldsSchema,
  TitlePatchSchema,
  catalogueTransaction,
  createTitle,
  libraryReindexSource,
  loadLibraryDocuments,
  removeTitleFile,
  updateTitle,
  withdrawTitle,
  type StoredBookFile,
} from "./titles.js";

const SHIJI = join(import.meta.dirname, "../../../../shared/corpus/books/001《史記》卷一.pdf");
let db: TestDatabase;
let sequelize: Sequelize;
let search: SearchBackend;
let dataDir: string;
let shijiText: string;
const patrons: number[] = [];

/** The 史記 as an upload would store it (its hash is made up: the blob store is not the point here). */
const shijiFile = (n: number): StoredBookFile => ({
  sha256: String(n).padStart(64, "a"),
  size: 1000 + n,
  mediaType: "application/pdf",
  pageCount: 26,
  fileName: "001《史記》卷一.pdf",
  text: shijiText,
});

const fields = (input: Record<string, unknown>) => TitleFieldsSchema.parse({ licenceModel: "copies", ...input });

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return "no error";
}

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), "yong-titles-"));
  sequelize = await prepareDatabase(parseEnv({ DATABASE_URL: db.url }), createLogger("silent"));
  search = await openSearch({ DATA_DIR: dataDir });
  shijiText = (await extractText(SHIJI)).text;
  await sequelize.transaction(async (t) => {
    const [unit] = await insertRows(Unit, [{ path: "/", code: "titles-test", name: "编目测试单位", kind: "unit" }], t);
    const users = await insertRows(
      User,
      [1, 2, 3].map((i) => ({ username: `reader${i}`, displayName: `读者${i}`, unitId: unit!.id, passwordHash: "!" })),
      t,
    );
    patrons.push(...users.map((u) => u.id));
  });
}, 120_000);

afterAll(async () => {
  await closePdfReaders();
  await search?.close();
  await sequelize?.close();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("validation", () => {
  it("takes an ISBN-10 with hyphens as its ISBN-13 and refuses a wrong check digit", () => {
    expect(fields({ title: "史記", isbn: "7-101-00304-4" }).isbn).toBe("9787101003048");
    const bad = TitleFieldsSchema.safeParse({ title: "史記", licenceModel: "copies", isbn: "978-7-101-00304-9" });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain("isbn_check_digit");
  });

  it("a change holds only the fields given (no defaults that would overwrite the rest)", () => {
    expect(TitlePatchSchema.parse({ copies: 2 })).toEqual({ copies: 2 });
  });

  it("refuses no copies, a licence model it does not know, a year to come and a language that is no tag", () => {
    for (const input of [
      { copies: 0 },
      { licenceModel: "lease" },
      { year: new Date().getFullYear() + 5 },
      { language: "Chinese!" },
    ]) {
      expect(
        TitleFieldsSchema.safeParse({ title: "史記", licenceModel: "copies", ...input }).success,
        JSON.stringify(input),
      ).toBe(false);
    }
  });

  it("refuses a class the 中图法 tree does not have, and a second title with the same ISBN", async () => {
    const unknown = catalogueTransaction((t) =>
      createTitle({ fields: fields({ title: "某书", classCode: "W1" }), files: [] }, t),
    );
    expect(await codeOf(unknown)).toBe("library_unknown_class");
    await catalogueTransaction((t) =>
      createTitle({ fields: fields({ title: "甲", isbn: "9787101003048" }), files: [] }, t),
    );
    const twice = catalogueTransaction((t) =>
      createTitle({ fields: fields({ title: "乙", isbn: "7101003044" }), files: [] }, t),
    );
    expect(await codeOf(twice)).toBe("library_isbn_taken");
  });
});

describe("the search document", () => {
  it("is queued with the title and holds its class path, authors and the book's text (Kangxi radicals folded)", async () => {
    const before = await SearchOutbox.count({ where: { collection: LIBRARY_COLLECTION } });
    const { title } = await catalogueTransaction((t) =>
      createTitle(
        {
          fields: fields({
            title: "史記 卷一",
            authors: ["司馬遷", "裴駰"],
            classCode: "K204.2",
            year: 1959,
            copies: 1,
          }),
          files: [shijiFile(1)],
        },
        t,
      ),
    );
    expect(await SearchOutbox.count({ where: { collection: LIBRARY_COLLECTION } })).toBe(before + 1);
    const [doc] = await loadLibraryDocuments([String(title.id)]);
    expect(doc).toMatchObject({
      id: String(title.id),
      collection: "library",
      title: "史記 卷一",
      date: "1959-01-01",
      keywords: { classCode: ["K", "K2"], authors: ["司馬遷", "裴駰"], licenceModel: "copies", language: "zh" },
    });
    // The text layer spells 人 as the Kangxi radical ⼈ (U+2F08); the document has the ordinary character.
    expect(doc!.body).not.toContain("\u2f08");
    expect(doc!.body).toContain("黃帝");
  });

  it("a reindex rebuilds the collection from the database, and the full text is found", async () => {
    await drainOutbox(search, { [LIBRARY_COLLECTION]: loadLibraryDocuments });
    await search.clear(LIBRARY_COLLECTION);
    expect((await search.search({ collection: LIBRARY_COLLECTION, text: "黃帝" })).total).toBe(0);
    await reindex(search, libraryReindexSource);
    const found = await search.search({ collection: LIBRARY_COLLECTION, text: "黃帝", filters: { classCode: ["K2"] } });
    expect(found.hits.map((h) => h.title.text)).toEqual(["史記 卷一"]);
  });
});

describe("copies and withdrawal", () => {
  it("raising the copies gives the new copy to the patron waiting, in the same transaction", async () => {
    const { title } = await catalogueTransaction((t) =>
      createTitle({ fields: fields({ title: "史記 卷一（副本）", copies: 1 }), files: [shijiFile(2)] }, t),
    );
    await borrow(patrons[0]!, title.id, "staff");
    const hold = await placeHold(patrons[1]!, title.id, "staff");
    expect(hold.state).toBe("waiting");
    const { changed } = await catalogueTransaction((t) => updateTitle(title.id, { copies: 2 }, t));
    expect(changed).toEqual(["copies"]);
    expect((await LibraryHold.findByPk(hold.id))?.state).toBe("ready");
  });

  it("refuses to withdraw a title on loan (409), withdraws it once returned and drops it from the index", async () => {
    const { title } = await catalogueTransaction((t) =>
      createTitle({ fields: fields({ title: "待下架", copies: 1 }), files: [shijiFile(3), shijiFile(4)] }, t),
    );
    const loan = await borrow(patrons[2]!, title.id, "staff");
    expect(await codeOf(catalogueTransaction((t) => withdrawTitle(title.id, t)))).toBe("library_title_on_loan");
    await returnLoan(loan.id, patrons[2]!);
    await catalogueTransaction((t) => withdrawTitle(title.id, t));
    expect(await loadLibraryDocuments([String(title.id)])).toEqual([]);
    const last = await SearchOutbox.findOne({ where: { docId: String(title.id) }, order: [["id", "DESC"]] });
    expect(last?.op).toBe("delete");
    expect(await codeOf(catalogueTransaction((t) => updateTitle(title.id, { copies: 3 }, t)))).toBe("not_found");
  });

  it("keeps a title's last file", async () => {
    const { title, files } = await catalogueTransaction((t) =>
      createTitle({ fields: fields({ title: "两个文件" }), files: [shijiFile(5), shijiFile(6)] }, t),
    );
    await catalogueTransaction((t) => removeTitleFile(title.id, files[0]!.id, t));
    expect(await codeOf(catalogueTransaction((t) => removeTitleFile(title.id, files[1]!.id, t)))).toBe(
      "library_last_file",
    );
  });
});

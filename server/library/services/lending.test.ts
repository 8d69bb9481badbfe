// Lending on a real database: SQLite by default, MariaDB with DATABASE_URL=mysql://… (createTestDatabase).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { parseEnv } from "../../env.js";
import { createLogger } from "../../core/logger.js";
import { AppError } from "../../core/errors.js";
import { insertRows } from "../../core/rows.js";
import { prepareDatabase } from "../../server.js";
import { Unit, User } from "../../org/models/index.js";
import { Notification } from "../../notify/models/index.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { LibraryHold, LibraryLoan, LibraryRule, LibraryTitle, type LicenceModel } from "../models/index.js";
import { enqueueJob } from "../../jobs/services/queue.js";
import { JobRunner } from "../../jobs/services/runner.js";
import {
  LIBRARY_LENDING_JOB,
  borrow,
  cancelHold,
  expireHolds,
  expireLoans,
  lendingExpiryJob,
  lendingTransaction,
  offerFreeCopies,
  placeHold,
  renew,
  returnLoan,
} from "./lending.js";

const DAY_MS = 24 * 3600_000;
let db: TestDatabase;
let sequelize: Sequelize;
/** 1,000 patrons for the race, then a few for each of the other tests. */
const patrons: number[] = [];
let nextPatron = 1_000;
const patron = () => patrons[nextPatron++]!;

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(parseEnv({ DATABASE_URL: db.url }), createLogger("silent"));
  await sequelize.transaction(async (t) => {
    const [unit] = await insertRows(
      Unit,
      [{ path: "/", code: "library-test", name: "图书馆测试单位", kind: "unit" }],
      t,
    );
    // Plain multi-row INSERTs, 200 users each: what matters here is the lending, not how accounts are made.
    for (let from = 0; from < 1_050; from += 200) {
      const rows = Array.from({ length: Math.min(200, 1_050 - from) }, (_, i) => ({
        username: `patron${from + i}`,
        displayName: `读者${from + i}`,
        unitId: unit!.id,
        passwordHash: "!",
      }));
      patrons.push(...(await insertRows(User, rows, t)).map((u) => u.id));
    }
  });
}, 120_000);

afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

const newTitle = (copies: number, licenceModel: LicenceModel = "copies", titleCategory = "general") =>
  LibraryTitle.create({ title: `史記 卷${copies}`, authors: "司馬遷", licenceModel, copies, titleCategory });

/** The error code of a refused call. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof AppError) return `${error.status} ${error.code}`;
    throw error;
  }
  throw new Error("expected a refusal");
}

const readyNotices = (userId: number) => Notification.count({ where: { userId, kind: "library.hold.ready" } });

describe("borrowing never lends beyond the licence", () => {
  it("1,000 concurrent borrow attempts by 1,000 patrons on a 5-copy title make exactly 5 loans", async () => {
    const title = await newTitle(5);
    const outcomes = await Promise.allSettled(patrons.slice(0, 1_000).map((id) => borrow(id, title.id, "staff")));
    const lent = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
    expect(lent.length).toBe(5);
    expect(refused.length).toBe(995);
    for (const reason of refused) {
      expect(reason).toBeInstanceOf(AppError);
      expect((reason as AppError).code).toBe("library_no_copy_available");
    }
    expect(await LibraryLoan.count({ where: { titleId: title.id, state: "active" } })).toBe(5);
  }, 300_000);

  it("refuses a second loan of a title to the same patron, even when both clicks arrive at once", async () => {
    const title = await newTitle(3);
    const reader = patron();
    const [a, b] = await Promise.allSettled([borrow(reader, title.id, "staff"), borrow(reader, title.id, "staff")]);
    expect([a.status, b.status].sort()).toEqual(["fulfilled", "rejected"]);
    expect(await refusal(borrow(reader, title.id, "staff"))).toBe("409 library_already_borrowed");
    expect(await LibraryLoan.count({ where: { titleId: title.id, userId: reader, state: "active" } })).toBe(1);
  });

  it("refuses open-access titles (nothing to lend) and loans beyond the rule's maximum", async () => {
    const open = await newTitle(0, "open");
    const reader = patron();
    expect(await refusal(borrow(reader, open.id, "staff"))).toBe("409 library_open_access");
    expect(await refusal(placeHold(reader, open.id, "staff"))).toBe("409 library_open_access");
    // A category whose rule allows two loans: the third title is refused, whatever its copies.
    await LibraryRule.create({
      patronCategory: "public",
      titleCategory: "reference",
      loanDays: 7,
      maxLoans: 2,
      maxHolds: 1,
      maxRenewals: 0,
      claimDays: 1,
    });
    const [one, two, three] = await Promise.all([1, 2, 3].map(() => newTitle(10, "pool", "reference")));
    await borrow(reader, one!.id, "public");
    const second = await borrow(reader, two!.id, "public");
    expect(second.dueAt.getTime() - second.borrowedAt.getTime()).toBe(7 * DAY_MS);
    expect(await refusal(borrow(reader, three!.id, "public"))).toBe("409 library_loan_limit");
    // The same patron as staff is under the general rule (ten loans).
    await borrow(reader, three!.id, "staff");
  });

  it("lends nothing of a withdrawn title and takes no hold on it", async () => {
    const title = await newTitle(2);
    await title.update({ withdrawnAt: new Date() });
    const reader = patron();
    expect(await refusal(borrow(reader, title.id, "staff"))).toBe("404 not_found");
    expect(await refusal(placeHold(reader, title.id, "staff"))).toBe("404 not_found");
    expect(await LibraryLoan.count({ where: { titleId: title.id } })).toBe(0);
  });
});

describe("the holds queue", () => {
  it("gives a returned copy to the first patron waiting, who is notified and borrows before anyone else", async () => {
    const title = await newTitle(1);
    const [a, b, c] = [patron(), patron(), patron()];
    const t0 = new Date();
    const loan = await borrow(a, title.id, "staff", t0);
    expect(await refusal(placeHold(a, title.id, "staff"))).toBe("409 library_already_borrowed");
    const holdB = await placeHold(b, title.id, "staff", new Date(t0.getTime() + 1_000));
    await placeHold(c, title.id, "staff", new Date(t0.getTime() + 2_000));
    expect(await refusal(placeHold(b, title.id, "staff"))).toBe("409 library_already_on_hold");
    expect(await refusal(borrow(c, title.id, "staff"))).toBe("409 library_no_copy_available");

    const returnedAt = new Date(t0.getTime() + 3_000);
    // Only the borrower returns a loan: to anyone else it does not exist.
    expect(await refusal(returnLoan(loan.id, b, returnedAt))).toBe("404 not_found");
    expect((await returnLoan(loan.id, a, returnedAt)).state).toBe("returned");
    expect(await refusal(returnLoan(loan.id, a, returnedAt))).toBe("409 library_loan_not_active");

    const ready = await LibraryHold.findByPk(holdB.id);
    expect(ready?.state).toBe("ready");
    expect(ready?.claimUntil?.getTime()).toBe(returnedAt.getTime() + 3 * DAY_MS);
    expect(await readyNotices(b)).toBe(1);
    expect(await readyNotices(c)).toBe(0);
    // The copy is kept for b: c (waiting behind) and a stranger are refused, b borrows.
    expect(await refusal(borrow(c, title.id, "staff", returnedAt))).toBe("409 library_no_copy_available");
    expect(await refusal(borrow(patron(), title.id, "staff", returnedAt))).toBe("409 library_no_copy_available");
    await borrow(b, title.id, "staff", returnedAt);
    expect((await LibraryHold.findByPk(holdB.id))?.state).toBe("fulfilled");
    expect(await LibraryLoan.count({ where: { titleId: title.id, state: "active" } })).toBe(1);
  });

  it("refuses a hold while a copy is free, and passes a cancelled ready hold's copy on", async () => {
    const title = await newTitle(1, "pool");
    const [a, b, c] = [patron(), patron(), patron()];
    expect(await refusal(placeHold(a, title.id, "staff"))).toBe("409 library_copy_available");
    const loan = await borrow(a, title.id, "staff");
    const holdB = await placeHold(b, title.id, "staff");
    const holdC = await placeHold(c, title.id, "staff", new Date(Date.now() + 1_000));
    await returnLoan(loan.id, a);
    expect((await LibraryHold.findByPk(holdB.id))?.state).toBe("ready");
    await cancelHold(holdB.id, b);
    expect((await LibraryHold.findByPk(holdB.id))?.state).toBe("cancelled");
    expect((await LibraryHold.findByPk(holdC.id))?.state).toBe("ready");
    expect(await refusal(cancelHold(holdB.id, b))).toBe("409 library_hold_not_active");
  });

  it("offers copies a librarian adds to the patrons waiting, first come first served", async () => {
    const title = await newTitle(1);
    const [a, b, c] = [patron(), patron(), patron()];
    await borrow(a, title.id, "staff");
    const holdB = await placeHold(b, title.id, "staff");
    const holdC = await placeHold(c, title.id, "staff", new Date(Date.now() + 1_000));
    const offered = await lendingTransaction(async (t) => {
      await LibraryTitle.update({ copies: 2 }, { where: { id: title.id }, transaction: t });
      return offerFreeCopies(title.id, t);
    });
    expect(offered.map((h) => h.id)).toEqual([holdB.id]);
    expect((await LibraryHold.findByPk(holdB.id))?.state).toBe("ready");
    expect((await LibraryHold.findByPk(holdC.id))?.state).toBe("waiting");
    expect(await readyNotices(b)).toBe(1);
  });
});

describe("renewals", () => {
  it("extends a loan from its due date up to the rule's renewals, and never while someone waits", async () => {
    const title = await newTitle(1);
    const [a, b] = [patron(), patron()];
    const loan = await borrow(a, title.id, "staff");
    const once = await renew(loan.id, a);
    expect(once.dueAt.getTime()).toBe(loan.dueAt.getTime() + 21 * DAY_MS);
    expect(once.renewals).toBe(1);
    await renew(loan.id, a);
    expect(await refusal(renew(loan.id, a))).toBe("409 library_renewal_limit");

    const other = await newTitle(1);
    const second = await borrow(a, other.id, "staff");
    await placeHold(b, other.id, "staff");
    expect(await refusal(renew(second.id, a))).toBe("409 library_hold_waiting");
    expect(await refusal(renew(second.id, b))).toBe("404 not_found");
  });
});

describe("expiry (the background job's work)", () => {
  it("returns overdue loans once when two instances run it at once, then passes lapsed claims on", async () => {
    const title = await newTitle(2);
    const [a, b, c, d, late] = [patron(), patron(), patron(), patron(), patron()];
    const t0 = new Date(Date.UTC(2020, 0, 1));
    const loanA = await borrow(a, title.id, "staff", t0);
    const loanB = await borrow(b, title.id, "staff", t0);
    const holdC = await placeHold(c, title.id, "staff", new Date(t0.getTime() + 1_000));
    const holdD = await placeHold(d, title.id, "staff", new Date(t0.getTime() + 2_000));
    const holdLate = await placeHold(late, title.id, "staff", new Date(t0.getTime() + 3_000));
    // c waits, so b cannot renew: both loans end on day 21.
    expect(await refusal(renew(loanB.id, b, new Date(t0.getTime() + DAY_MS)))).toBe("409 library_hold_waiting");

    // Nothing is due yet on day 20.
    expect(await expireLoans(new Date(t0.getTime() + 20 * DAY_MS))).toBe(0);
    const day22 = new Date(t0.getTime() + 22 * DAY_MS);
    const [first, second] = await Promise.all([expireLoans(day22), expireLoans(day22)]);
    expect(first + second).toBe(2);
    for (const id of [loanA.id, loanB.id]) {
      const loan = await LibraryLoan.findByPk(id);
      expect(loan?.state).toBe("expired");
      expect(loan?.returnedAt?.getTime()).toBe(day22.getTime());
    }
    expect(await expireLoans(day22)).toBe(0);
    // Two copies freed: c and d are next, each told once; the third in the queue still waits.
    expect((await LibraryHold.findByPk(holdC.id))?.state).toBe("ready");
    expect((await LibraryHold.findByPk(holdD.id))?.state).toBe("ready");
    expect((await LibraryHold.findByPk(holdLate.id))?.state).toBe("waiting");
    expect([await readyNotices(c), await readyNotices(d), await readyNotices(late)]).toEqual([1, 1, 0]);

    // c borrows in time; d lets the claim lapse, and the copy goes to the last in the queue.
    await borrow(c, title.id, "staff", new Date(day22.getTime() + DAY_MS));
    expect(await expireHolds(new Date(day22.getTime() + 2 * DAY_MS))).toBe(0);
    const lapsed = new Date(day22.getTime() + 3 * DAY_MS + 1);
    const [h1, h2] = await Promise.all([expireHolds(lapsed), expireHolds(lapsed)]);
    expect(h1 + h2).toBe(1);
    expect((await LibraryHold.findByPk(holdD.id))?.state).toBe("expired");
    expect((await LibraryHold.findByPk(holdLate.id))?.state).toBe("ready");
    expect(await readyNotices(late)).toBe(1);
    expect(await refusal(borrow(d, title.id, "staff", lapsed))).toBe("409 library_no_copy_available");
    await borrow(late, title.id, "staff", lapsed);
  });
});

describe("the lending job", () => {
  it("returns an overdue loan when the job queue runs it, and gives the copy to the patron waiting", async () => {
    const title = await newTitle(1);
    const [a, b] = [patron(), patron()];
    const longAgo = new Date(Date.now() - 30 * DAY_MS);
    const loan = await borrow(a, title.id, "staff", longAgo);
    const hold = await placeHold(b, title.id, "staff", new Date(longAgo.getTime() + 1_000));
    const runner = new JobRunner({ [LIBRARY_LENDING_JOB]: lendingExpiryJob() }, createLogger("silent"), 50);
    runner.start();
    try {
      await enqueueJob(LIBRARY_LENDING_JOB, null);
      const until = Date.now() + 20_000;
      while ((await LibraryLoan.findByPk(loan.id))?.state === "active") {
        if (Date.now() > until) throw new Error("the job did not run");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await runner.stop();
    }
    expect((await LibraryLoan.findByPk(loan.id))?.state).toBe("expired");
    expect((await LibraryHold.findByPk(hold.id))?.state).toBe("ready");
    expect(await readyNotices(b)).toBe(1);
  });
});

// Lending over HTTP: borrow, return, renew, holds and their queue, each
// patron acting on their own loans and holds only; the librarian's list of
// loans, force return and loan rules; and 50 patrons clicking "borrow" on a
// 2-copy title at once get exactly 2 loans. Titles are books of the corpus.
import { readdirSync } from "node:fs";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LibraryTitle } from "../../server/library/models/index.js";
import { startTestServer, STRONG_PASSWORD, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";

/** The corpus's books, by their names without 《》 and the file type: 史記 卷一, 資治通鑑 卷一… */
const BOOKS = readdirSync(new URL("../../../shared/corpus/books/", import.meta.url))
  .filter((f) => f.endsWith(".pdf"))
  .map((f) =>
    f
      .replace(/\.pdf$/, "")
      .replace(/^\d+/, "")
      .replace(/[《》]/g, " ")
      .trim(),
  );

let server: TestServer;
let staff: ApiClient;
let librarian: ApiClient;
const patrons: ApiClient[] = [];
let patronNumber = 0;

async function addTitle(title: string, copies: number, licenceModel: "copies" | "pool" | "open" = "copies") {
  const row = await LibraryTitle.create({ title, authors: "司馬遷", licenceModel, copies, classCode: "K204.2" });
  return row.id;
}

/** A member of the public, registered and signed in through the API. */
async function newPatron(): Promise<ApiClient> {
  patronNumber++;
  const client = server.client();
  const login = `patron${patronNumber}@example.net`;
  const made = await client.post("/api/library/patrons", {
    login,
    displayName: `读者${patronNumber}`,
    password: STRONG_PASSWORD,
  });
  if (made.status !== 201) throw new Error(`register ${login}: ${made.text}`);
  const signedIn = await client.post("/api/auth/login", { username: login, password: STRONG_PASSWORD });
  if (signedIn.status !== 200) throw new Error(`login ${login}: ${signedIn.text}`);
  return client;
}

const count = async (sql: string, replacements: unknown[] = []) =>
  Number(
    (await server.sequelize.query<{ n: number }>(sql, { replacements, type: QueryTypes.SELECT }))[0]?.n ?? Number.NaN,
  );

beforeAll(async () => {
  server = await startTestServer({ LIBRARY_SIGNUP_LIMIT_PER_IP: "1000" });
  staff = await server.signIn("office.staff1");
  const made = await server.newUser({ username: "tushu.guanliyuan" });
  librarian = made.client;
  await server.grantRole(made.id, "librarian");
  for (let i = 0; i < 3; i++) patrons.push(await newPatron());
});
afterAll(async () => {
  await server?.stop();
});

describe("borrow, hold, return, renew", () => {
  let titleId = 0;
  let loanId = 0;
  let holdOf2 = 0;
  let holdOf3 = 0;

  it("lends a copy with its due date and time left, under the patron's category", async () => {
    titleId = await addTitle(BOOKS[0]!, 1);
    const [p1] = patrons;
    const res = await p1!.post("/api/library/loans", { titleId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      state: "active",
      patronCategory: "public",
      renewals: 0,
      renewalsLeft: 1,
      title: { id: titleId, title: BOOKS[0] },
      abilities: { read: true, return: true, renew: true },
    });
    loanId = res.body.id;
    const days = (Date.parse(res.body.dueAt) - Date.parse(res.body.borrowedAt)) / 86_400_000;
    expect(days).toBe(14);
    expect(res.body.msLeft).toBeGreaterThan(13 * 86_400_000);
    const mine = await p1!.get("/api/library/loans?state=active");
    expect(mine.body.items.map((l: { id: number }) => l.id)).toEqual([loanId]);
    expect(await count("SELECT COUNT(*) AS n FROM usage_events WHERE kind = 'library.borrow'")).toBe(1);
    expect(
      await count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'library.loan.borrow' AND targetId = ?", [
        String(loanId),
      ]),
    ).toBe(1);
    // A civil servant borrows under the staff rules (21 days).
    const other = await addTitle(BOOKS[1]!, 3);
    const staffLoan = await staff.post("/api/library/loans", { titleId: other });
    expect(staffLoan.body.patronCategory).toBe("staff");
    expect((Date.parse(staffLoan.body.dueAt) - Date.parse(staffLoan.body.borrowedAt)) / 86_400_000).toBe(21);
  });

  it("answers 409 with a code for a second loan and for a title with no copy free; 404 for no title", async () => {
    const [p1, p2] = patrons;
    const again = await p1!.post("/api/library/loans", { titleId });
    expect([again.status, again.body.error.code]).toEqual([409, "library_already_borrowed"]);
    const none = await p2!.post("/api/library/loans", { titleId });
    expect([none.status, none.body.error.code]).toEqual([409, "library_no_copy_available"]);
    expect((await p2!.post("/api/library/loans", { titleId: 999_999 })).status).toBe(404);
    expect((await p2!.post("/api/library/loans", { titleId: "abc" })).status).toBe(400);
  });

  it("queues holds first come first served, with each patron's place in the queue", async () => {
    const [p1, p2, p3] = patrons;
    const h2 = await p2!.post("/api/library/holds", { titleId });
    expect(h2.status).toBe(201);
    expect(h2.body).toMatchObject({ state: "waiting", position: 1, claimUntil: null });
    holdOf2 = h2.body.id;
    const h3 = await p3!.post("/api/library/holds", { titleId });
    expect(h3.body.position).toBe(2);
    holdOf3 = h3.body.id;
    const twice = await p3!.post("/api/library/holds", { titleId });
    expect(twice.body.error.code).toBe("library_already_on_hold");
    const own = await p1!.post("/api/library/holds", { titleId });
    expect(own.body.error.code).toBe("library_already_borrowed");
    // Nobody renews while others wait.
    const renew = await p1!.post(`/api/library/loans/${loanId}/renew`);
    expect([renew.status, renew.body.error.code]).toEqual([409, "library_hold_waiting"]);
    const loans = await p1!.get("/api/library/loans");
    expect(loans.body.items[0]).toMatchObject({ waiting: 2, abilities: { renew: false } });
  });

  it("answers 404 to anyone acting on another patron's loan or hold", async () => {
    const [p1, p2, p3] = patrons;
    expect((await p2!.post(`/api/library/loans/${loanId}/return`)).status).toBe(404);
    expect((await p2!.post(`/api/library/loans/${loanId}/renew`)).status).toBe(404);
    expect((await staff.post(`/api/library/loans/${loanId}/return`)).status).toBe(404);
    expect((await p1!.delete(`/api/library/holds/${holdOf2}`)).status).toBe(404);
    expect((await p3!.delete(`/api/library/holds/${holdOf2}`)).status).toBe(404);
    // Nothing changed.
    expect((await p1!.get("/api/library/loans")).body.items).toHaveLength(1);
    expect((await p2!.get("/api/library/holds")).body.items).toHaveLength(1);
  });

  it("on return passes the copy to the first in the queue, with a claim date and a notification", async () => {
    const [p1, p2, p3] = patrons;
    const returned = await p1!.post(`/api/library/loans/${loanId}/return`);
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ state: "returned", msLeft: 0 });
    expect(returned.body.returnedAt).not.toBeNull();
    const again = await p1!.post(`/api/library/loans/${loanId}/return`);
    expect(again.body.error.code).toBe("library_loan_not_active");
    const holds2 = (await p2!.get("/api/library/holds")).body.items;
    expect(holds2[0]).toMatchObject({ id: holdOf2, state: "ready", position: null, abilities: { borrow: true } });
    const claimDays = (Date.parse(holds2[0].claimUntil) - Date.parse(returned.body.returnedAt)) / 86_400_000;
    expect(claimDays).toBe(3);
    expect((await p3!.get("/api/library/holds")).body.items[0]).toMatchObject({ state: "waiting", position: 1 });
    const notes = await p2!.get("/api/notifications");
    expect(notes.body.items[0]).toMatchObject({ kind: "library.hold.ready", link: `/library/titles/${titleId}` });
    // A public patron who registered with an e-mail address hears of it there too, through the outbound queue.
    let mailed = 0;
    for (let tries = 0; tries < 100 && !mailed; tries++) {
      mailed = await count("SELECT COUNT(*) AS n FROM mail_outbound WHERE recipient = ?", ["patron2@example.net"]);
      if (!mailed) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(mailed).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM mail_outbound WHERE recipient = ?", ["patron3@example.net"])).toBe(0);
    // The copy is kept for p2: nobody else may take it.
    const other = await newPatron();
    expect((await other.post("/api/library/loans", { titleId })).body.error.code).toBe("library_no_copy_available");
    const history = await p1!.get("/api/library/loans?state=history");
    expect(history.body).toMatchObject({ total: 1, items: [{ id: loanId, state: "returned" }] });
    expect((await p1!.get("/api/library/loans")).body.items).toHaveLength(0);
  });

  it("lets the patron whose turn it is borrow, fulfilling the hold; a cancelled hold leaves the queue", async () => {
    const [, p2, p3] = patrons;
    const loan = await p2!.post("/api/library/loans", { titleId });
    expect(loan.status).toBe(201);
    expect((await p2!.get("/api/library/holds")).body.items).toHaveLength(0);
    expect((await p3!.delete(`/api/library/holds/${holdOf3}`)).status).toBe(204);
    const twice = await p3!.delete(`/api/library/holds/${holdOf3}`);
    expect([twice.status, twice.body.error.code]).toEqual([409, "library_hold_not_active"]);
    expect((await p3!.get("/api/library/holds")).body.items).toHaveLength(0);
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action IN ('library.hold.place', 'library.hold.cancel')",
      ),
    ).toBe(3);
  });

  it("renews while nobody waits, up to the rule's renewals", async () => {
    const [, , p3] = patrons;
    const other = await addTitle(BOOKS[2]!, 2);
    const loan = await p3!.post("/api/library/loans", { titleId: other });
    const renewed = await p3!.post(`/api/library/loans/${loan.body.id}/renew`);
    expect(renewed.status).toBe(200);
    expect(renewed.body).toMatchObject({ renewals: 1, renewalsLeft: 0, abilities: { renew: false } });
    expect((Date.parse(renewed.body.dueAt) - Date.parse(loan.body.dueAt)) / 86_400_000).toBe(14);
    const limit = await p3!.post(`/api/library/loans/${loan.body.id}/renew`);
    expect([limit.status, limit.body.error.code]).toEqual([409, "library_renewal_limit"]);
  });

  it("refuses to lend an open-access title (read it freely instead)", async () => {
    const open = await addTitle(BOOKS[3] ?? "紅樓夢評論", 1, "open");
    const res = await patrons[0]!.post("/api/library/loans", { titleId: open });
    expect(res.body.error.code).toBe("library_open_access");
    expect((await patrons[0]!.post("/api/library/holds", { titleId: open })).body.error.code).toBe(
      "library_open_access",
    );
  });
});

describe("the librarian", () => {
  it("lists every active loan, the overdue ones apart, and ends a loan, passing the copy on", async () => {
    const titleId = await addTitle(`${BOOKS[0]} 館員`, 1);
    const [p1, p2] = patrons;
    const loan = await p1!.post("/api/library/loans", { titleId });
    await p2!.post("/api/library/holds", { titleId });
    const all = await librarian.get("/api/library/admin/loans?pageSize=100");
    expect(all.status).toBe(200);
    const listed = all.body.items.find((l: { id: number }) => l.id === loan.body.id);
    expect(listed).toMatchObject({ patron: { displayName: "读者1" }, overdue: false });
    expect((await librarian.get("/api/library/admin/loans?overdue=true")).body.items).toHaveLength(0);
    // Past due but not yet collected by the expiry job.
    await server.sequelize.query("UPDATE library_loans SET dueAt = ? WHERE id = ?", {
      replacements: [new Date(Date.now() - 60_000), loan.body.id],
    });
    const overdue = await librarian.get("/api/library/admin/loans?overdue=true");
    expect(overdue.body.items.map((l: { id: number }) => l.id)).toEqual([loan.body.id]);
    expect(overdue.body.items[0].overdue).toBe(true);
    const ended = await librarian.post(`/api/library/admin/loans/${loan.body.id}/return`);
    expect(ended.status).toBe(200);
    expect(ended.body.state).toBe("returned");
    expect((await p2!.get("/api/library/holds")).body.items.some((h: { state: string }) => h.state === "ready")).toBe(
      true,
    );
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'library.loan.force_return' AND targetId = ?",
        [String(loan.body.id)],
      ),
    ).toBe(1);
    // Staff without library.manage.
    expect((await staff.get("/api/library/admin/loans")).status).toBe(403);
    expect((await staff.post(`/api/library/admin/loans/${loan.body.id}/return`)).status).toBe(403);
  });

  it("sets the loan rules per patron category × title category, which borrowing then follows", async () => {
    const rules = await librarian.get("/api/library/rules");
    expect(rules.status).toBe(200);
    expect(rules.body.patronCategories).toEqual(["staff", "public"]);
    const items = rules.body.items.map(({ id: _id, ...rule }: { id: number }) => rule);
    expect(items).toHaveLength(2);
    // Public patrons: one loan at a time, 7 days.
    const changed = items.map((r: { patronCategory: string }) =>
      r.patronCategory === "public" ? { ...r, maxLoans: 1, loanDays: 7 } : r,
    );
    const saved = await librarian.request("PUT", "/api/library/rules", { body: { rules: changed } });
    expect(saved.status).toBe(200);
    expect(saved.body.items.find((r: { patronCategory: string }) => r.patronCategory === "public")).toMatchObject({
      maxLoans: 1,
      loanDays: 7,
    });
    const fresh = await newPatron();
    const first = await fresh.post("/api/library/loans", { titleId: await addTitle(`${BOOKS[1]} 規則`, 5) });
    expect((Date.parse(first.body.dueAt) - Date.parse(first.body.borrowedAt)) / 86_400_000).toBe(7);
    const second = await fresh.post("/api/library/loans", { titleId: await addTitle(`${BOOKS[2]} 規則`, 5) });
    expect([second.status, second.body.error.code]).toEqual([409, "library_loan_limit"]);
    // Every patron category keeps a general rule; a pair is given once.
    const missing = await librarian.request("PUT", "/api/library/rules", {
      body: { rules: changed.filter((r: { patronCategory: string }) => r.patronCategory === "staff") },
    });
    expect(missing.body.error.code).toBe("library_rule_general_missing");
    const twice = await librarian.request("PUT", "/api/library/rules", { body: { rules: [...changed, changed[0]] } });
    expect(twice.body.error.code).toBe("library_rule_duplicate");
    expect((await staff.get("/api/library/rules")).status).toBe(403);
    expect((await staff.request("PUT", "/api/library/rules", { body: { rules: changed } })).status).toBe(403);
    expect(await count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'library.rules.update'")).toBe(1);
  });
});

describe("never beyond the licence", () => {
  it("50 patrons borrowing a 2-copy title at once over HTTP make exactly 2 loans", async () => {
    const crowd: ApiClient[] = [];
    for (let i = 0; i < 50; i++) crowd.push(await newPatron());
    const titleId = await addTitle(`${BOOKS[0]} 競借`, 2);
    const answers = await Promise.all(crowd.map((c) => c.post("/api/library/loans", { titleId })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(2);
    expect(statuses.filter((s) => s === 409)).toHaveLength(48);
    expect(
      answers.filter((a) => a.status === 409).every((a) => a.body.error.code === "library_no_copy_available"),
    ).toBe(true);
    expect(
      await count("SELECT COUNT(*) AS n FROM library_loans WHERE titleId = ? AND state = 'active'", [titleId]),
    ).toBe(2);
  });
});

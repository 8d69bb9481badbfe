// The library's statistics (GET /api/stats/library) on a real database: SQLite by default, MariaDB with
// DATABASE_URL=mysql://… . Usage events, patrons and loans are written at known instants; the expected
// figures are worked out here from the same list, by the city's day (UTC+8), independently of the SQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";
import { Role, RoleAssignment, Unit, User } from "../../server/org/models/index.js";
import { LibraryLoan, LibraryTitle } from "../../server/library/models/index.js";
import { loadActor } from "../../server/core/actor.js";
import { recordUsage, type UsageKind } from "../../server/stats/services/usage.js";

let server: TestServer;
let librarian: ApiClient;
let staff: ApiClient;
let auditor: ApiClient;

/** The city's day and month of an instant (China Standard Time, UTC+8). */
const cityDay = (at: Date) => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

/** Public patrons by when they registered: one before the range, one in January, one just into February. */
const REGISTERED = ["2025-12-15T02:00:00Z", "2026-01-10T03:00:00Z", "2026-01-31T17:00:00Z"];
const patrons: number[] = [];

/** Uses of the library: [patron index or null for anonymous, kind, instant]. */
const USES: [number | null, UsageKind, string][] = [
  [0, "library.navigate", "2026-01-05T01:00:00Z"],
  [0, "library.navigate", "2026-01-05T02:00:00Z"],
  [1, "library.search", "2026-01-05T03:00:00Z"],
  [null, "library.search", "2026-01-05T04:00:00Z"],
  // 6 January: all three patrons (the month's peak); 16:30Z on the 5th is already the 6th in Nanning.
  [0, "library.download", "2026-01-05T16:30:00Z"],
  [1, "library.read", "2026-01-06T05:00:00Z"],
  [2, "library.opds", "2026-01-06T09:00:00Z"],
  [2, "library.navigate", "2026-01-06T10:00:00Z"],
  // 31 January 17:00Z is 1 February in Nanning.
  [2, "library.search", "2026-01-31T17:00:00Z"],
  [1, "library.navigate", "2026-02-14T06:00:00Z"],
  [0, "library.download", "2026-02-14T07:00:00Z"],
  // Outside the range asked for: counted nowhere.
  [0, "library.navigate", "2025-12-31T15:59:59Z"],
  [1, "library.search", "2026-03-31T16:00:00Z"],
];
/** Loans made, by patron and instant (the last one is outside the range). */
const LOANS: [number, string][] = [
  [0, "2026-01-06T01:00:00Z"],
  [1, "2026-01-20T01:00:00Z"],
  [2, "2026-02-01T00:00:00Z"],
  [2, "2026-03-01T00:00:00Z"],
];

beforeAll(async () => {
  server = await startTestServer();
  const made = await server.newUser({ username: "stats.librarian" });
  await server.grantRole(made.id, "librarian");
  librarian = made.client;
  staff = await server.signIn("office.staff1");
  auditor = await server.signIn("auditor");

  // Public patrons as self-registration makes them: in the public unit, holding the patron role.
  const unit = await Unit.findOne({ where: { kind: "public" } });
  const role = await Role.findOne({ where: { code: "patron" } });
  if (!unit || !role) throw new Error("the public patrons' unit and role are missing (migration 0025)");
  for (const [i, at] of REGISTERED.entries()) {
    const user = await User.create({
      username: `reader${i}@example.cn`,
      displayName: `读者${i}`,
      email: `reader${i}@example.cn`,
      phone: null,
      unitId: unit.id,
      departmentId: null,
      positionId: null,
      passwordHash: "!",
      passwordChangedAt: null,
      lockedUntil: null,
      totpSecret: null,
      recoveryCodes: null,
      lastLoginAt: null,
      createdAt: new Date(at),
    });
    await RoleAssignment.create({ userId: user.id, roleId: role.id, unitId: null });
    patrons.push(user.id);
  }
  const title = await LibraryTitle.create({ title: "史記 卷一", authors: "司馬遷", licenceModel: "copies", copies: 5 });
  for (const [patron, at] of LOANS) {
    await LibraryLoan.create({
      titleId: title.id,
      userId: patrons[patron]!,
      patronCategory: "public",
      state: "returned",
      borrowedAt: new Date(at),
      dueAt: new Date(new Date(at).getTime() + 14 * 86_400_000),
      returnedAt: new Date(at),
    });
  }
  for (const [patron, kind, at] of USES)
    await recordUsage({ kind, userId: patron === null ? null : patrons[patron], at: new Date(at) });
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

/** The figures the screen shows, worked out from USES and LOANS for the city's months `from`..`to`. */
function expected(from: string, to: string) {
  const within = (at: string) => cityDay(new Date(at)).slice(0, 7) >= from && cityDay(new Date(at)).slice(0, 7) <= to;
  const uses = USES.filter(([, , at]) => within(at));
  const figure = { download: "downloads", navigate: "navigations", search: "searches", read: "reads", opds: "opds" };
  const byMonth = new Map<string, Record<string, number>>();
  const activeByDay = new Map<string, Set<number>>();
  for (const [patron, kind, at] of uses) {
    const day = cityDay(new Date(at));
    const month = byMonth.get(day.slice(0, 7)) ?? {};
    const name = figure[kind.slice("library.".length) as keyof typeof figure];
    month[name] = (month[name] ?? 0) + 1;
    byMonth.set(day.slice(0, 7), month);
    if (patron !== null) activeByDay.set(day, (activeByDay.get(day) ?? new Set()).add(patron));
  }
  for (const [, at] of LOANS.filter(([, at]) => within(at))) {
    const month = byMonth.get(cityDay(new Date(at)).slice(0, 7)) ?? {};
    month.borrowings = (month.borrowings ?? 0) + 1;
    byMonth.set(cityDay(new Date(at)).slice(0, 7), month);
  }
  return { byMonth, activeByDay };
}

describe("GET /api/stats/library", () => {
  it("counts each month's uses, loans, registrations and active patrons by the city's day", async () => {
    const res = await librarian.get("/api/stats/library?from=2026-01&to=2026-02");
    expect(res.status).toBe(200);
    const { byMonth, activeByDay } = expected("2026-01", "2026-02");
    expect(res.body.months.map((m: { month: string }) => m.month)).toEqual(["2026-01", "2026-02"]);
    for (const month of res.body.months) {
      const want = byMonth.get(month.month) ?? {};
      for (const name of ["borrowings", "downloads", "navigations", "searches", "reads", "opds"])
        expect(month[name], `${month.month} ${name}`).toBe(want[name] ?? 0);
    }
    // Registrations: one in January; the one at 17:00Z on 31 January registered on 1 February in Nanning.
    expect(res.body.months.map((m: { registrations: number }) => m.registrations)).toEqual([1, 1]);
    expect(res.body.months.map((m: { patrons: number }) => m.patrons)).toEqual([2, 3]);
    // Daily active patrons, and each month's peak day.
    for (const day of res.body.days) expect(day.active, day.day).toBe(activeByDay.get(day.day)?.size ?? 0);
    expect(res.body.months[0].peak).toEqual({ day: "2026-01-06", active: 3 });
    expect(res.body.months[1].peak.active).toBe(
      Math.max(...[...activeByDay].filter(([d]) => d.startsWith("2026-02")).map(([, s]) => s.size)),
    );
    expect(res.body.totals.peak).toEqual({ day: "2026-01-06", active: 3 });
    expect(res.body.totals.active).toBe(3);
    expect(res.body.totals.borrowings).toBe(3);
    expect(res.body.totals.registrations).toBe(2);
  });

  it("counts the public patrons and the staff who may use the library, apart", async () => {
    const res = await librarian.get("/api/stats/library?from=2026-01&to=2026-01");
    expect(res.body.users.patrons).toBe(REGISTERED.length);
    let staffWithLibrary = 0;
    const publicUnit = await Unit.findOne({ where: { kind: "public" } });
    for (const user of await User.findAll({ where: { disabled: false } })) {
      if (user.unitId === publicUnit?.id) continue;
      if ((await loadActor(user)).can("library.use")) staffWithLibrary += 1;
    }
    expect(staffWithLibrary).toBeGreaterThan(0);
    expect(res.body.users.staff).toBe(staffWithLibrary);
  });

  it("leaves out what falls outside the months asked for", async () => {
    const res = await librarian.get("/api/stats/library?from=2026-03&to=2026-04");
    expect(res.body.months.map((m: { month: string }) => m.month)).toEqual(["2026-03", "2026-04"]);
    // 31 March 16:00Z is 1 April in Nanning: one search in April, one loan in March.
    expect(res.body.months[0]).toMatchObject({ searches: 0, borrowings: 1, registrations: 0, patrons: 3 });
    expect(res.body.months[1]).toMatchObject({ searches: 1, borrowings: 0, active: 1 });
  });

  it("is for librarians: staff and the auditor get 403, anonymous callers 401, a bad range 400", async () => {
    expect((await staff.get("/api/stats/library?from=2026-01&to=2026-02")).status).toBe(403);
    expect((await auditor.get("/api/stats/library?from=2026-01&to=2026-02")).status).toBe(403);
    expect((await server.client().get("/api/stats/library?from=2026-01&to=2026-02")).status).toBe(401);
    for (const query of ["from=2026-02&to=2026-01", "from=2026-13&to=2026-14", "from=2020-01&to=2026-01", "to=2026-01"])
      expect((await librarian.get(`/api/stats/library?${query}`)).status, query).toBe(400);
  });
});

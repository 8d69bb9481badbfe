import { describe, expect, it } from "vitest";
import { databaseProbe } from "./health.js";

/** A stand-in with the one method the probe uses; each query waits until released. */
function fakeDatabase() {
  const pending: ((ok: boolean) => void)[] = [];
  const db = {
    queries: 0,
    query: () => {
      db.queries += 1;
      return new Promise<void>((resolve, reject) => pending.push((ok) => (ok ? resolve() : reject(new Error("down")))));
    },
    settle: (ok: boolean) => pending.splice(0).forEach((finish) => finish(ok)),
  };
  return db;
}

describe("databaseProbe", () => {
  it("runs one query for any number of simultaneous health checks", async () => {
    const db = fakeDatabase();
    const check = databaseProbe(db);
    const checks = Array.from({ length: 50 }, () => check());
    expect(db.queries).toBe(1);
    db.settle(true);
    expect(await Promise.all(checks)).toEqual(Array(50).fill(true));
    // The next check asks the database again.
    const next = check();
    expect(db.queries).toBe(2);
    db.settle(false);
    expect(await next).toBe(false);
  });

  it("fails the check when the database does not answer in time", async () => {
    const db = fakeDatabase();
    const check = databaseProbe(db, 20);
    expect(await check()).toBe(false);
    db.settle(true);
  });
});

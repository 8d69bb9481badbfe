import { describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { createLogger } from "../../core/logger.js";
import { AuditBuffer } from "./auditBuffer.js";
import type { AuditEntry } from "./auditChain.js";
import { DenialTally } from "./denialTally.js";

function recorder() {
  const written: AuditEntry[] = [];
  const buffer = new AuditBuffer({} as Sequelize, createLogger("silent"), 60_000, 500, async (_s, entries) => {
    written.push(...entries);
  });
  return { buffer, written };
}

describe("anonymous denial tally", () => {
  it("writes one event per caller, route and reason with the count", async () => {
    const { buffer, written } = recorder();
    const tally = new DenialTally(buffer);
    for (let i = 0; i < 50; i++) tally.count({ ip: "10.0.0.1", route: "POST /api/org/units", reason: "csrf_failed" });
    for (let i = 0; i < 3; i++) tally.count({ ip: "10.0.0.2", route: "POST /api/org/units", reason: "csrf_failed" });
    tally.flush();
    await buffer.close();
    expect(written.map((e) => [e.ip, e.targetId, e.detail?.count])).toEqual([
      ["10.0.0.1", "POST /api/org/units", 50],
      ["10.0.0.2", "POST /api/org/units", 3],
    ]);
    expect(written.every((e) => e.action === "authz.denied.anonymous" && e.outcome === "denied")).toBe(true);
  });

  it("counts callers beyond the key limit together, so a flood of addresses cannot exhaust memory", async () => {
    const { buffer, written } = recorder();
    const tally = new DenialTally(buffer, 60_000, 10);
    for (let i = 0; i < 1000; i++)
      tally.count({ ip: `10.0.${i >> 8}.${i & 255}`, route: "GET /x", reason: "unauthenticated" });
    tally.flush();
    await buffer.close();
    expect(written).toHaveLength(11);
    expect(written.reduce((sum, e) => sum + Number(e.detail?.count), 0)).toBe(1000);
    expect(written.at(-1)).toMatchObject({ ip: null, targetId: "*", detail: { count: 990 } });
  });
});

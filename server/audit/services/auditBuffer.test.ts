import { describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { createLogger } from "../../core/logger.js";
import { AuditBuffer } from "./auditBuffer.js";
import type { AuditEntry } from "./auditChain.js";

const sequelize = {} as Sequelize;
const logger = createLogger("silent");
const entry = (i: number): AuditEntry => ({ action: "admin.request", outcome: "success", detail: { i } });

describe("buffered audit appender", () => {
  it("writes what arrives within an interval as one batch, in order, each with the time it happened", async () => {
    const batches: AuditEntry[][] = [];
    const buffer = new AuditBuffer(sequelize, logger, 50, 500, async (_s, entries) => void batches.push(entries));
    const before = Date.now();
    for (let i = 0; i < 10; i++) buffer.add(entry(i));
    expect(batches).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(batches).toHaveLength(1);
    expect(batches[0]?.map((e) => e.detail?.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const e of batches[0] ?? []) expect(e.at?.getTime()).toBeGreaterThanOrEqual(before);
  });

  it("splits a burst into batches of at most maxBatch without waiting for the timer", async () => {
    const sizes: number[] = [];
    const buffer = new AuditBuffer(
      sequelize,
      logger,
      60_000,
      4,
      async (_s, entries) => void sizes.push(entries.length),
    );
    for (let i = 0; i < 10; i++) buffer.add(entry(i));
    await buffer.close();
    expect(sizes).toEqual([4, 4, 2]);
  });

  it("keeps events through a failed write and writes them, in order, on the next attempt", async () => {
    const written: unknown[] = [];
    let fail = true;
    const buffer = new AuditBuffer(sequelize, logger, 10, 500, async (_s, entries) => {
      if (fail) throw new Error("database unavailable");
      written.push(...entries.map((e) => e.detail?.i));
    });
    buffer.add(entry(1));
    buffer.add(entry(2));
    await buffer.flush();
    expect(buffer.size).toBe(2);
    fail = false;
    buffer.add(entry(3));
    await buffer.close();
    expect(written).toEqual([1, 2, 3]);
    expect(buffer.size).toBe(0);
  });
});

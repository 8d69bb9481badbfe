import { describe, expect, it, vi } from "vitest";
import type * as Argon2 from "@node-rs/argon2";

/** Counts how many argon2id computations are running at any moment. */
const probe = vi.hoisted(() => ({ running: 0, peak: 0, calls: 0 }));
vi.mock("@node-rs/argon2", async (importOriginal) => {
  const real = await importOriginal<typeof Argon2>();
  const counted =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      probe.calls += 1;
      probe.running += 1;
      probe.peak = Math.max(probe.peak, probe.running);
      try {
        return await fn(...args);
      } finally {
        probe.running -= 1;
      }
    };
  return { ...real, hash: counted(real.hash), verify: counted(real.verify) };
});

const { bulkHashSlots, hashPassword, limitConcurrentHashes, verifyPassword } = await import("./passwords.js");

describe("password hash concurrency", () => {
  it("never runs more than PASSWORD_HASH_CONCURRENCY hashes at once, however many logins arrive", async () => {
    const stored = await hashPassword("Right#Pass1", 1024);
    for (const limit of [1, 2]) {
      limitConcurrentHashes(limit);
      probe.peak = 0;
      probe.calls = 0;
      const results = await Promise.all([
        ...Array.from({ length: 12 }, (_, i) => verifyPassword(i === 3 ? "Right#Pass1" : `Wrong#${i}`, stored)),
        ...Array.from({ length: 4 }, () => hashPassword("Another#Pass1", 1024)),
      ]);
      expect(probe.calls).toBe(16);
      expect(probe.peak).toBe(limit);
      expect(results.filter((r) => r === true)).toHaveLength(1);
    }
  });

  it("lets a bulk import use its own slots beside the sign-in bound, and bounds both", async () => {
    limitConcurrentHashes(1);
    bulkHashSlots.setLimit(2);
    probe.peak = 0;
    probe.calls = 0;
    await Promise.all([
      ...Array.from({ length: 6 }, () => hashPassword("Bulk#Pass1", 1024, { bulk: true })),
      ...Array.from({ length: 3 }, () => hashPassword("Login#Pass1", 1024)),
    ]);
    expect(probe.calls).toBe(9);
    // Two import hashes and one sign-in hash at most, never more.
    expect(probe.peak).toBe(3);
  });
});

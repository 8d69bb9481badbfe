import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { parseEnv } from "../../env.js";
import { createLogger } from "../../core/logger.js";
import { prepareDatabase } from "../../server.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { Job } from "../models/index.js";
import {
  backoffSeconds,
  claimJobs,
  completeJob,
  enqueueJob,
  failJob,
  pruneJobs,
  renewLease,
  scheduleRecurringJob,
} from "./queue.js";
import { JobRunner, PermanentJobError, type JobHandler } from "./runner.js";

let db: TestDatabase;
let sequelize: Sequelize;
const logger = createLogger("silent");
const lease = () => 60_000;

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(parseEnv({ DATABASE_URL: db.url }), logger);
});

afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

beforeEach(async () => {
  await Job.destroy({ where: {} });
});

const waitFor = async (check: () => Promise<boolean>, ms = 10_000) => {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe("the job queue", () => {
  it("gives each job to exactly one of several instances claiming at once", async () => {
    for (let i = 0; i < 30; i++) await enqueueJob("test.race", { i });
    const owners = ["a", "b", "c", "d"];
    const claims = await Promise.all(
      owners.flatMap((owner) => [1, 2, 3].map(() => claimJobs(owner, ["test.race"], 4, lease))),
    );
    const ids = claims.flat().map((job) => job.id);
    expect(new Set(ids).size).toBe(ids.length);
    const rows = await Job.findAll({ where: { state: "running" } });
    expect(rows.length).toBe(ids.length);
    for (const row of rows) expect(row.attempts).toBe(1);
    // The rest are still there for the next claims, and nothing is claimed twice over all rounds.
    const more = await claimJobs("e", ["test.race"], 100, lease);
    expect(ids.length + more.length).toBe(30);
    expect(more.every((job) => !ids.includes(job.id))).toBe(true);
  });

  it("does not hand out a job before its time, nor one of another kind", async () => {
    await enqueueJob("test.later", {}, { runAt: new Date(Date.now() + 60_000) });
    await enqueueJob("test.other", {});
    expect(await claimJobs("a", ["test.later"], 10, lease)).toEqual([]);
    expect((await claimJobs("a", ["test.other"], 10, lease)).length).toBe(1);
  });

  it("takes a job again when its instance's lease ran out, and the old instance can no longer finish it", async () => {
    const job = await enqueueJob("test.lease", {});
    const [first] = await claimJobs("dead", ["test.lease"], 1, () => 1);
    expect(first?.id).toBe(job.id);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const [second] = await claimJobs("alive", ["test.lease"], 1, lease);
    expect(second?.id).toBe(job.id);
    expect(second?.attempts).toBe(2);
    expect(await renewLease(first!, "dead", 60_000)).toBe(false);
    expect(await completeJob(first!, "dead")).toBe(false);
    expect(await completeJob(second!, "alive")).toBe(true);
    expect((await Job.findByPk(job.id))?.state).toBe("done");
  });

  it("retries a failed job after a growing backoff, then gives it up", async () => {
    expect([1, 2, 3, 20].map(backoffSeconds)).toEqual([30, 60, 120, 6 * 3600]);
    const job = await enqueueJob("test.fail", {}, { maxAttempts: 2 });
    const [one] = await claimJobs("a", ["test.fail"], 1, lease);
    const before = Date.now();
    expect(await failJob(one!, "a", new Error("first"))).toBe("queued");
    const queued = (await Job.findByPk(job.id))!;
    expect(queued.lastError).toBe("first");
    expect(queued.runAt.getTime()).toBeGreaterThanOrEqual(before + 29_000);
    await queued.update({ runAt: new Date(Date.now() - 1000) });
    const [two] = await claimJobs("a", ["test.fail"], 1, lease);
    expect(await failJob(two!, "a", new Error("second"))).toBe("failed");
    const failed = (await Job.findByPk(job.id))!;
    expect(failed.state).toBe("failed");
    expect(failed.finishedAt).not.toBeNull();
  });

  it("keeps one recurring job however many instances schedule it, and runs it again after its interval", async () => {
    await Promise.all([1, 2, 3, 4].map(() => scheduleRecurringJob("test.every", 600)));
    expect(await Job.count({ where: { kind: "test.every" } })).toBe(1);
    const [job] = await claimJobs("a", ["test.every"], 1, lease);
    expect(await completeJob(job!, "a")).toBe(true);
    const next = (await Job.findByPk(job!.id))!;
    expect(next.state).toBe("queued");
    expect(next.runAt.getTime()).toBeGreaterThan(Date.now() + 590_000);
  });

  it("returns the waiting job with a dedupe key, and queues a successor to a running one", async () => {
    const first = await enqueueJob("test.dedupe", { n: 1 }, { dedupeKey: "k" });
    const again = await Promise.all([1, 2, 3].map((n) => enqueueJob("test.dedupe", { n }, { dedupeKey: "k" })));
    expect(again.map((job) => job.id)).toEqual([first.id, first.id, first.id]);
    const [running] = await claimJobs("a", ["test.dedupe"], 1, lease);
    const next = await enqueueJob("test.dedupe", { n: 4 }, { dedupeKey: "k" });
    expect(next.id).not.toBe(first.id);
    expect(await completeJob(running!, "a")).toBe(true);
    expect((await enqueueJob("test.dedupe", { n: 5 }, { dedupeKey: "k" })).id).toBe(next.id);
    // A waiting job backing off after a failure runs as soon as the new ask wants.
    await Job.update({ runAt: new Date(Date.now() + 600_000) }, { where: { id: next.id } });
    await enqueueJob("test.dedupe", { n: 6 }, { dedupeKey: "k" });
    expect((await claimJobs("b", ["test.dedupe"], 1, lease)).map((job) => job.id)).toEqual([next.id]);
  });

  it("prunes finished jobs older than the given age only", async () => {
    const old = await enqueueJob("test.prune", {});
    await old.update({ state: "done", finishedAt: new Date(Date.now() - 10_000) });
    const recent = await enqueueJob("test.prune", {});
    await recent.update({ state: "done", finishedAt: new Date() });
    await enqueueJob("test.prune", {});
    expect(await pruneJobs(5_000, 5_000)).toBe(1);
    expect(await Job.count({ where: { kind: "test.prune" } })).toBe(2);
  });
});

describe("the job runner", () => {
  it("runs due jobs, records failures, and calls onFailed once when a job is given up", async () => {
    const seen: unknown[] = [];
    const failures: string[] = [];
    const handlers: Record<string, JobHandler> = {
      "test.ok": { run: async (payload) => void seen.push(payload) },
      "test.bad": {
        run: async () => {
          throw new PermanentJobError("never");
        },
        onFailed: async (_payload, error) => void failures.push((error as Error).message),
      },
    };
    const runner = new JobRunner(handlers, logger, 50);
    await enqueueJob("test.ok", { n: 1 });
    await enqueueJob("test.bad", {});
    runner.start();
    try {
      await waitFor(async () => (await Job.count({ where: { state: ["done", "failed"] } })) === 2);
      expect(seen).toEqual([{ n: 1 }]);
      expect(failures).toEqual(["never"]);
      const bad = await Job.findOne({ where: { kind: "test.bad" } });
      expect(bad?.state).toBe("failed");
      expect(bad?.attempts).toBe(1);
    } finally {
      await runner.stop();
    }
  });

  it("puts a job back in the queue, without counting the attempt, when the instance stops", async () => {
    let started = false;
    const runner = new JobRunner(
      {
        "test.long": {
          run: (_payload, { signal }) =>
            new Promise((_resolve, reject) => {
              started = true;
              signal.addEventListener("abort", () => reject(signal.reason));
            }),
        },
      },
      logger,
      50,
    );
    const job = await enqueueJob("test.long", {});
    runner.start();
    await waitFor(async () => started);
    await runner.stop();
    const row = (await Job.findByPk(job.id))!;
    expect(row.state).toBe("queued");
    expect(row.attempts).toBe(0);
    expect(row.leaseOwner).toBeNull();
  });

  it("releases, not fails, a job that stops only after its runner was started again", async () => {
    let finish: (() => void) | undefined;
    let runs = 0;
    const runner = new JobRunner(
      {
        "test.slow": {
          // The first run notices the stop late: after stop() gave up waiting and the runner runs again.
          run: (_payload, { signal }) => {
            runs += 1;
            if (runs > 1) return Promise.resolve();
            return new Promise<void>((_resolve, reject) => {
              finish = () => reject(signal.reason);
            });
          },
        },
      },
      logger,
      50,
    );
    const job = await enqueueJob("test.slow", {});
    runner.start();
    await waitFor(async () => finish !== undefined);
    await runner.stop(10);
    runner.start();
    finish!();
    try {
      // Failed, it would wait 30 s to be retried, with the stop as its error; released, it runs again at once.
      await waitFor(async () => (await Job.findByPk(job.id))!.state === "done", 5_000);
      expect(runs).toBe(2);
      expect((await Job.findByPk(job.id))!.lastError).toBeNull();
    } finally {
      await runner.stop(10);
    }
  });

  it("runs no more jobs of a kind at once than its concurrency", async () => {
    let running = 0;
    let most = 0;
    const runner = new JobRunner(
      {
        "test.one": {
          concurrency: 1,
          run: async () => {
            running += 1;
            most = Math.max(most, running);
            await new Promise((resolve) => setTimeout(resolve, 30));
            running -= 1;
          },
        },
      },
      logger,
      20,
    );
    for (let i = 0; i < 5; i++) await enqueueJob("test.one", {});
    runner.start();
    try {
      await waitFor(async () => (await Job.count({ where: { kind: "test.one", state: "done" } })) === 5);
      expect(most).toBe(1);
    } finally {
      await runner.stop();
    }
  });

  it("starts a job queued in this process as soon as its transaction commits, without waiting for a poll", async () => {
    const seen: unknown[] = [];
    // A poll interval far beyond the test's patience: only the commit can wake the runner.
    const runner = new JobRunner({ "test.now": { run: async (payload) => void seen.push(payload) } }, logger, 600_000);
    runner.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 100)); // the first poll has found nothing
      await sequelize
        .transaction(async (t) => {
          await enqueueJob("test.now", { n: "rolled back" }, { transaction: t });
          throw new Error("roll back");
        })
        .catch(() => undefined);
      await sequelize.transaction(async (t) => {
        await enqueueJob("test.now", { n: "committed" }, { transaction: t });
        // Not before the commit: the runner's own connection could not see the job yet.
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(seen).toEqual([]);
      });
      await waitFor(async () => seen.length === 1, 5_000);
      expect(seen).toEqual([{ n: "committed" }]);
      expect(await Job.count()).toBe(1);
    } finally {
      await runner.stop();
    }
  });
});

import { describe, expect, it } from "vitest";
import { Semaphore } from "./semaphore.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("Semaphore", () => {
  it("never runs more than the limit at once, and runs everything in the order it came", async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const tasks = Array.from({ length: 20 }, (_, i) =>
      semaphore.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        order.push(i);
        await tick();
        running -= 1;
        return i;
      }),
    );
    expect(semaphore.running).toBe(2);
    expect(semaphore.queued).toBe(18);
    expect(await Promise.all(tasks)).toEqual([...Array(20).keys()]);
    expect(peak).toBe(2);
    expect(order).toEqual([...Array(20).keys()]);
    expect(semaphore.running).toBe(0);
  });

  it("frees the slot when a task fails", async () => {
    const semaphore = new Semaphore(1);
    const failing = semaphore.run(async () => {
      await tick();
      throw new Error("boom");
    });
    const next = semaphore.run(async () => "ran");
    await expect(failing).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ran");
    expect(semaphore.running).toBe(0);
  });

  it("starts waiting tasks when the limit is raised, and lets running ones finish when it is lowered", async () => {
    const semaphore = new Semaphore(1);
    let running = 0;
    let peak = 0;
    const task = () =>
      semaphore.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await tick();
        running -= 1;
      });
    const first = Array.from({ length: 4 }, task);
    semaphore.setLimit(3);
    expect(semaphore.running).toBe(3);
    await Promise.all(first);
    expect(peak).toBe(3);
    semaphore.setLimit(1);
    peak = 0;
    await Promise.all(Array.from({ length: 4 }, task));
    expect(peak).toBe(1);
    expect(() => semaphore.setLimit(0)).toThrow(RangeError);
  });
});

/**
 * Lets at most `limit` tasks run at once; the others wait their turn in order.
 * Used to bound CPU-heavy work that runs on libuv's small thread pool (password hashing),
 * so that the pool always has threads left for the database driver and files.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private limit: number) {
    Semaphore.check(limit);
  }

  private static check(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`semaphore limit must be a positive integer, got ${limit}`);
  }

  /** Changes the limit; tasks already running finish, waiting ones start as slots free up. */
  setLimit(limit: number): void {
    Semaphore.check(limit);
    this.limit = limit;
    while (this.active < this.limit && this.waiting.length) {
      this.active += 1;
      this.waiting.shift()?.();
    }
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active += 1;
    // The slot is handed over by the task that frees it, so `active` never drops in between.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      if (this.active <= this.limit && this.waiting.length) this.waiting.shift()?.();
      else this.active -= 1;
    }
  }
}

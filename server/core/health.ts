/** What the probe needs of a Sequelize instance. */
export interface QueryRunner {
  query(sql: string): Promise<unknown>;
}

/**
 * The database half of /healthz: one `SELECT 1` at a time, shared by every
 * caller that arrives while it runs, with a deadline. Load balancers poll often
 * and in parallel; they must never queue up queries of their own behind a busy
 * pool, and a stuck database must fail the check rather than hang it.
 */
export function databaseProbe(sequelize: QueryRunner, timeoutMs = 2000): () => Promise<boolean> {
  let inFlight: Promise<boolean> | null = null;
  return () => {
    inFlight ??= new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      sequelize.query("SELECT 1").then(
        () => resolve(true),
        () => resolve(false),
      );
      // Whichever settles first decides; the timer must not keep the process alive.
      timer.unref();
    }).finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}

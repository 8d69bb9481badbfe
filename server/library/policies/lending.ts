import type { Actor } from "../../core/actor.js";

/**
 * Who lends and who runs lending. A patron (staff with library.use, or a
 * public patron, whose role holds nothing else) borrows, returns, renews and
 * queues for themselves only: another patron's loan or hold is answered 404 by
 * the services, as if it did not exist. Librarians (library.manage) see every
 * active loan, end any of them and set the loan rules.
 */
export const lendingPolicy = {
  use: (actor: Actor) => actor.can("library.use"),
  manage: (actor: Actor) => actor.can("library.manage"),
};

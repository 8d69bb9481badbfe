import type { Actor } from "../../core/actor.js";

/**
 * Who uses the OPDS catalogue: a patron of the library (library.use — staff, and
 * public patrons whose role holds nothing else). Unlike the web catalogue it is
 * never anonymous: its feeds carry borrow links and the patron's own loans.
 */
export const opdsPolicy = {
  use: (actor: Actor): boolean => actor.can("library.use"),
};

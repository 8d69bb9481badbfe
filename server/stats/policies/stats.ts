import type { Actor } from "../../core/actor.js";

/**
 * Who sees the statistics. The library's figures are the librarians' (library.manage):
 * they report them to the city. There is no statistics permission of its own yet;
 * the modules that count their figures next (sign-ins, OA, mail) add their rules here.
 */
export const statsPolicy = {
  library: (actor: Actor): boolean => actor.can("library.manage"),
};

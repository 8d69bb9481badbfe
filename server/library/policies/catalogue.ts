import type { Actor } from "../../core/actor.js";

/** What the rules read of a viewer: their permissions (undefined: not signed in). */
type Viewer = Pick<Actor, "can"> | undefined;
import type { LicenceModel } from "../models/index.js";

/** What a title's page needs to know to say what the viewer may do with it. */
export interface TitleLendingState {
  licenceModel: LicenceModel;
  /** Copies free now (null for open access). */
  available: number | null;
  /** Patrons waiting in the queue. */
  waiting: number;
  /** The viewer's active loan of the title. */
  loan: { renewals: number } | null;
  /** The viewer's open hold: a ready one keeps a copy for them. */
  hold: { state: "waiting" | "ready" } | null;
}

export interface TitleAbilities {
  borrow: boolean;
  hold: boolean;
  read: boolean;
  download: boolean;
  renew: boolean;
  return: boolean;
  manage: boolean;
}

const NONE: TitleAbilities = {
  borrow: false,
  hold: false,
  read: false,
  download: false,
  renew: false,
  return: false,
  manage: false,
};

/**
 * Who sees the catalogue and what a viewer may do with a title. Everyone
 * browses it, signed in or not (the public looks before registering, as in
 * a Koha OPAC). The abilities follow the lending rules of services/lending.ts,
 * which enforces them: open access is read and downloaded, never borrowed; a
 * borrower reads, renews (while nobody waits) and returns; anyone else
 * borrows when a copy is free (or kept for them by a ready hold), else joins
 * the queue. Limits that depend on the patron's other loans (the loan and
 * hold maxima, renewals left) are left to the lending routes to refuse.
 */
export const cataloguePolicy = {
  browse: (_viewer: Viewer) => true,
  /** Patrons: the public who registered and the civil servants; not the 三员 administrators. */
  lend: (viewer: Viewer) => Boolean(viewer?.can("library.use")),
  manage: (viewer: Viewer) => Boolean(viewer?.can("library.manage")),

  abilities(viewer: Viewer, state: TitleLendingState): TitleAbilities {
    const manage = cataloguePolicy.manage(viewer);
    if (!cataloguePolicy.lend(viewer)) return { ...NONE, manage };
    if (state.licenceModel === "open") return { ...NONE, read: true, download: true, manage };
    if (state.loan) return { ...NONE, read: true, renew: state.waiting === 0, return: true, manage };
    const keptForMe = state.hold?.state === "ready";
    const free = keptForMe || (state.available ?? 0) > 0;
    return { ...NONE, borrow: free, hold: !free && !state.hold, manage };
  },
};

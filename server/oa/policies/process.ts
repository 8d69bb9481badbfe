import type { Actor } from "../../core/actor.js";

/** The unit a process was adapted for, or null for a city-wide default. */
type ProcessUnit = { path: string } | null;

/**
 * Who edits and reads process definitions. OA administrators hold
 * `oa.process.manage` per unit: a grant limited to a unit covers that unit's
 * subtree, so a unit's administrator changes the unit's own adaptations and
 * nobody else's; the city-wide defaults need a grant without a unit. Every
 * administrator sees the defaults (to adapt them). A version's graph and
 * diagram are also open to everyone in the OA: the document page shows the
 * flow an instance runs.
 */
export const processPolicy = {
  /** The designer pages and the list: some grant, anywhere. */
  manageSome: (actor: Actor) => actor.can("oa.process.manage"),
  /** New city-wide processes and changes to the defaults. */
  manageCityWide: (actor: Actor) => actor.scopeOf("oa.process.manage") === "all",
  manage: (actor: Actor, unit: ProcessUnit) =>
    unit ? actor.can("oa.process.manage", unit) : processPolicy.manageCityWide(actor),
  /** The list and the latest version in the designer. */
  read: (actor: Actor, unit: ProcessUnit) =>
    unit ? actor.can("oa.process.manage", unit) : actor.can("oa.process.manage"),
  /** Make a copy of this process for a unit of one's own: anything one may read. */
  adapt: (actor: Actor, unit: ProcessUnit) => processPolicy.read(actor, unit),
  readVersion: (actor: Actor) => actor.can("oa.use") || actor.can("oa.process.manage"),
  /** Where the actor may adapt processes: everywhere, or these units (each with the units below it). */
  manageUnits: (actor: Actor): "all" | { id: number; name: string }[] => {
    if (processPolicy.manageCityWide(actor)) return "all";
    return actor.grants.flatMap((g) =>
      g.unit && g.permissions.has("oa.process.manage") ? [{ id: g.unit.id, name: g.unit.name }] : [],
    );
  },
};

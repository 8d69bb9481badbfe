import type { Delegation } from "@/api/oa/delegations";

export type DelegationState = "active" | "upcoming" | "ended" | "revoked";

export function stateOf(d: Delegation, now = Date.now()): DelegationState {
  if (d.revokedAt) return "revoked";
  if (d.active) return "active";
  return new Date(d.startsAt).getTime() > now ? "upcoming" : "ended";
}

export const STATE_TAG: Record<DelegationState, "success" | "primary" | "info" | "warning"> = {
  active: "success",
  upcoming: "primary",
  ended: "info",
  revoked: "warning",
};

/** A new delegation starts now and runs a week unless the person says otherwise. */
export function defaultRange(now = new Date()): [Date, Date] {
  const end = new Date(now);
  end.setDate(end.getDate() + 7);
  end.setHours(18, 0, 0, 0);
  return [now, end];
}

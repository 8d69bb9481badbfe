import { describe, expect, it } from "vitest";
import type { Delegation } from "@/api/oa/delegations";
import { isOverdue } from "../components/labels";
import { defaultRange, stateOf } from "./data";

const NOW = Date.parse("2026-11-27T10:00:00+08:00");
const HOUR = 3_600_000;

function delegation(partial: Partial<Delegation>): Delegation {
  return {
    id: 1,
    fromUserId: 5,
    fromName: "李磊兰",
    toUserId: 9,
    toName: "黄敏",
    startsAt: new Date(NOW - HOUR).toISOString(),
    endsAt: new Date(NOW + 48 * HOUR).toISOString(),
    reason: "赴自治区参加会议",
    revokedAt: null,
    active: true,
    abilities: { revoke: true },
    ...partial,
  };
}

describe("委托", () => {
  it("says whether a delegation runs, is still to come, has ended or was revoked", () => {
    expect(stateOf(delegation({}), NOW)).toBe("active");
    const later = delegation({ active: false, startsAt: new Date(NOW + HOUR).toISOString() });
    expect(stateOf(later, NOW)).toBe("upcoming");
    const over = delegation({ active: false, endsAt: new Date(NOW - 1).toISOString() });
    expect(stateOf(over, NOW)).toBe("ended");
    // Revoked wins, even while its period has not run out.
    expect(stateOf(delegation({ active: false, revokedAt: new Date(NOW).toISOString() }), NOW)).toBe("revoked");
  });

  it("starts a new one now and ends it at six in the evening a week later", () => {
    const [start, end] = defaultRange(new Date(NOW));
    expect(start.getTime()).toBe(NOW);
    expect(end.getTime()).toBeGreaterThan(NOW + 6 * 24 * HOUR);
    expect([end.getHours(), end.getMinutes(), end.getSeconds()]).toEqual([18, 0, 0]);
  });

  it("marks work past its deadline, and nothing without one", () => {
    expect(isOverdue(new Date(NOW - 1).toISOString(), NOW)).toBe(true);
    expect(isOverdue(new Date(NOW + HOUR).toISOString(), NOW)).toBe(false);
    expect(isOverdue(null, NOW)).toBe(false);
  });
});

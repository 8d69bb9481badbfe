import { describe, expect, it } from "vitest";
import { Actor, type Grant } from "../../core/actor.js";
import type { User } from "../models/index.js";
import type { AdminKind, PermissionCode } from "../permissions.js";
import { isProtectedAccount, userPolicy } from "./user.js";

let nextId = 1;
function grant(codes: PermissionCode[], unitPath: string | null, adminKind: AdminKind | null = null): Grant {
  const id = nextId++;
  return {
    assignmentId: id,
    roleId: id,
    roleCode: `r${id}`,
    roleName: `role ${id}`,
    adminKind,
    permissions: new Set(codes),
    unit: unitPath ? { id, name: unitPath, path: unitPath } : null,
  };
}

function actor(id: number, grants: Grant[]): Actor {
  // The policy reads only the id of the user row.
  return new Actor({ id } as User, grants);
}

const office = "/1/2/";
const district = "/1/3/";
const officeSection = "/1/2/9/";

describe("isProtectedAccount", () => {
  const sysadmin = actor(1, [grant(["org.user.read", "org.user.manage"], null, "system")]);
  const officeManager = actor(2, [grant(["org.user.read", "org.user.manage"], office)]);

  it("protects every holder of a 三员 role, even from another holder of the same role", () => {
    expect(isProtectedAccount(sysadmin, [grant(["security.role.assign"], null, "security")])).toBe(true);
    expect(isProtectedAccount(sysadmin, [grant(["audit.read"], null, "audit")])).toBe(true);
    expect(isProtectedAccount(sysadmin, [grant(["org.user.manage"], null, "system")])).toBe(true);
  });

  it("protects someone holding an administrator permission the caller lacks or holds only more narrowly", () => {
    expect(isProtectedAccount(officeManager, [grant(["org.user.read"], null)])).toBe(true);
    expect(isProtectedAccount(officeManager, [grant(["org.user.manage"], district)])).toBe(true);
    expect(isProtectedAccount(officeManager, [grant(["settings.manage"], officeSection)])).toBe(true);
  });

  it("leaves people with the same or less power, and business permissions, in reach", () => {
    expect(isProtectedAccount(officeManager, [grant(["org.user.read"], officeSection)])).toBe(false);
    expect(isProtectedAccount(officeManager, [grant(["org.user.manage"], office)])).toBe(false);
    expect(isProtectedAccount(sysadmin, [grant(["org.user.manage"], district)])).toBe(false);
    expect(isProtectedAccount(sysadmin, [grant(["oa.use", "library.use"], null)])).toBe(false);
    expect(isProtectedAccount(sysadmin, [])).toBe(false);
  });
});

describe("userPolicy account actions", () => {
  const sysadmin = actor(1, [grant(["org.user.read", "org.user.manage"], null, "system")]);
  const unit = { path: office };

  it("never lets anyone reset or disable their own account through the user routes", () => {
    const plainSelf = actor(5, [grant(["org.user.manage"], null)]);
    const target = { id: 5, unit, grants: plainSelf.grants };
    expect(userPolicy.updateAccount(plainSelf, target)).toBe(true);
    expect(userPolicy.disable(plainSelf, target)).toBe(false);
    expect(userPolicy.resetPassword(plainSelf, target)).toBe(false);
  });

  it("allows the three actions on an ordinary account in the caller's units only", () => {
    const staff = { id: 7, unit, grants: [grant(["oa.use"], office)] };
    expect(userPolicy.updateAccount(sysadmin, staff)).toBe(true);
    expect(userPolicy.disable(sysadmin, staff)).toBe(true);
    expect(userPolicy.resetPassword(sysadmin, staff)).toBe(true);
    const officeManager = actor(2, [grant(["org.user.manage"], office)]);
    expect(userPolicy.resetPassword(officeManager, { ...staff, unit: { path: district } })).toBe(false);
  });
});

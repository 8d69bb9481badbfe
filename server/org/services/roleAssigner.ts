import type { Transaction } from "sequelize";
import { badRequest, conflict, notFound } from "../../core/errors.js";
import { Role, RoleAssignment, Unit, User } from "../models/index.js";
import { loadGrants } from "../../core/actor.js";

/**
 * Gives a user a role, enforcing 三员分立: nobody holds two of the system,
 * security and audit administrator roles, and nobody gives themselves any role
 * at all (a business role would let the security administrator read the
 * business data that 三员分立 keeps from him). The user row is locked first so two concurrent
 * assignments to the same person cannot both pass the check.
 */
export async function assignRole(
  props: { actorId: number; userId: number; roleId: number; unitId: number | null },
  transaction: Transaction,
): Promise<RoleAssignment> {
  const user = await User.findByPk(props.userId, { transaction, lock: transaction.LOCK.UPDATE });
  if (!user) throw notFound("User");
  const role = await Role.findByPk(props.roleId, { transaction });
  if (!role) throw badRequest("unknown_role", `Role ${props.roleId} does not exist`);
  if (props.unitId !== null) {
    const unit = await Unit.findByPk(props.unitId, { transaction });
    if (!unit) throw badRequest("unknown_unit", `Unit ${props.unitId} does not exist`);
    if (role.adminKind)
      throw badRequest("admin_role_not_scoped", "Administrator roles apply everywhere; leave the unit empty");
  }
  if (props.actorId === props.userId) {
    throw conflict("self_assignment", "You cannot give yourself a role");
  }
  const grants = await loadGrants(user.id, transaction);
  if (grants.some((g) => g.roleId === role.id && (g.unit?.id ?? null) === props.unitId)) {
    throw conflict("already_assigned", "The user already has this role there");
  }
  const otherKinds = new Set(grants.map((g) => g.adminKind).filter((k) => k && k !== role.adminKind));
  if (role.adminKind && otherKinds.size > 0) {
    throw conflict(
      "separation_of_duties",
      "The system, security and audit administrator roles must be held by different people (三员分立)",
    );
  }
  return RoleAssignment.create({ userId: user.id, roleId: role.id, unitId: props.unitId }, { transaction });
}

export async function unassignRole(
  props: { actorId: number; userId: number; assignmentId: number },
  transaction: Transaction,
): Promise<RoleAssignment> {
  const assignment = await RoleAssignment.findOne({
    where: { id: props.assignmentId, userId: props.userId },
    include: [{ model: Role, as: "role" }],
    transaction,
  });
  if (!assignment) throw notFound("Role assignment");
  if (assignment.role?.adminKind && props.actorId === props.userId) {
    throw conflict("self_assignment", "You cannot remove your own administrator role");
  }
  if (assignment.role?.adminKind) {
    const holders = await RoleAssignment.count({ where: { roleId: assignment.roleId }, transaction });
    if (holders <= 1) throw conflict("last_admin", "At least one person must keep this administrator role");
  }
  await assignment.destroy({ transaction });
  return assignment;
}

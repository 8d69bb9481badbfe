import type { Sequelize } from "sequelize";
import { Department } from "./department.js";
import { Position } from "./position.js";
import { Permission, Role, RoleAssignment, RolePermission } from "./role.js";
import { Session } from "./session.js";
import { Setting } from "./setting.js";
import { Unit } from "./unit.js";
import { User } from "./user.js";

export { Department, Permission, Position, Role, RoleAssignment, RolePermission, Session, Setting, Unit, User };

export function initOrgModels(sequelize: Sequelize): void {
  for (const model of [
    Unit,
    Department,
    Position,
    User,
    Permission,
    Role,
    RolePermission,
    RoleAssignment,
    Session,
    Setting,
  ]) {
    model.initModel(sequelize);
  }
  Unit.hasMany(Department, { foreignKey: "unitId", as: "departments" });
  Department.belongsTo(Unit, { foreignKey: "unitId", as: "unit" });
  User.belongsTo(Unit, { foreignKey: "unitId", as: "unit" });
  User.belongsTo(Department, { foreignKey: "departmentId", as: "department" });
  User.belongsTo(Position, { foreignKey: "positionId", as: "position" });
  Role.hasMany(RolePermission, { foreignKey: "roleId", as: "grants" });
  RoleAssignment.belongsTo(Role, { foreignKey: "roleId", as: "role" });
  RoleAssignment.belongsTo(User, { foreignKey: "userId", as: "user" });
  RoleAssignment.belongsTo(Unit, { foreignKey: "unitId", as: "unit" });
}

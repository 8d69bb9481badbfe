import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type NonAttribute,
  type Sequelize,
} from "sequelize";
import type { AdminKind } from "../permissions.js";

export class Role extends Model<InferAttributes<Role>, InferCreationAttributes<Role>> {
  declare id: CreationOptional<number>;
  declare code: string;
  declare name: string;
  declare description: string | null;
  declare adminKind: AdminKind | null;
  declare builtin: CreationOptional<boolean>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare grants?: NonAttribute<RolePermission[]>;

  static initModel(sequelize: Sequelize): void {
    Role.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        code: { type: DataTypes.STRING(64), allowNull: false },
        name: { type: DataTypes.STRING(64), allowNull: false },
        description: { type: DataTypes.STRING(255), allowNull: true },
        adminKind: { type: DataTypes.STRING(16), allowNull: true },
        builtin: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "roles" },
    );
  }
}

export class RolePermission extends Model<InferAttributes<RolePermission>, InferCreationAttributes<RolePermission>> {
  declare roleId: number;
  declare permissionCode: string;

  static initModel(sequelize: Sequelize): void {
    RolePermission.init(
      {
        roleId: { type: DataTypes.INTEGER, primaryKey: true },
        permissionCode: { type: DataTypes.STRING(64), primaryKey: true },
      },
      { sequelize, tableName: "role_permissions", timestamps: false },
    );
  }
}

export class Permission extends Model<InferAttributes<Permission>, InferCreationAttributes<Permission>> {
  declare code: string;
  declare category: string;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Permission.init(
      {
        code: { type: DataTypes.STRING(64), primaryKey: true },
        category: { type: DataTypes.STRING(16), allowNull: false },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "permissions" },
    );
  }
}

export class RoleAssignment extends Model<InferAttributes<RoleAssignment>, InferCreationAttributes<RoleAssignment>> {
  declare id: CreationOptional<number>;
  declare userId: number;
  declare roleId: number;
  declare unitId: number | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare role?: NonAttribute<Role>;

  static initModel(sequelize: Sequelize): void {
    RoleAssignment.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        userId: { type: DataTypes.INTEGER, allowNull: false },
        roleId: { type: DataTypes.INTEGER, allowNull: false },
        unitId: { type: DataTypes.INTEGER, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "role_assignments" },
    );
  }
}

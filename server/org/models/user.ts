import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type NonAttribute,
  type Sequelize,
} from "sequelize";
import type { Department } from "./department.js";
import type { Position } from "./position.js";
import type { Unit } from "./unit.js";

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<number>;
  declare username: string;
  declare displayName: string;
  declare pinyin: CreationOptional<string>;
  declare pinyinInitials: CreationOptional<string>;
  declare email: string | null;
  declare phone: string | null;
  declare unitId: number;
  declare departmentId: number | null;
  declare positionId: number | null;
  declare passwordHash: string;
  declare mustChangePassword: CreationOptional<boolean>;
  declare passwordChangedAt: Date | null;
  declare failedLogins: CreationOptional<number>;
  declare lockedUntil: Date | null;
  declare disabled: CreationOptional<boolean>;
  declare totpSecret: string | null;
  declare totpEnabled: CreationOptional<boolean>;
  /** JSON array of password hashes of unused recovery codes. */
  declare recoveryCodes: string | null;
  declare lastLoginAt: Date | null;
  /** The sign-in before the latest one: "上次登录" for the person now signed in. */
  declare previousLoginAt: CreationOptional<Date | null>;
  /** TOTP time step of the last code accepted, so that no code works twice. */
  declare totpLastStep: CreationOptional<number | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare unit?: NonAttribute<Unit>;
  declare department?: NonAttribute<Department | null>;
  declare position?: NonAttribute<Position | null>;

  static initModel(sequelize: Sequelize): void {
    User.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        username: { type: DataTypes.STRING(64), allowNull: false },
        displayName: { type: DataTypes.STRING(64), allowNull: false },
        pinyin: { type: DataTypes.STRING(255), allowNull: false, defaultValue: "" },
        pinyinInitials: { type: DataTypes.STRING(64), allowNull: false, defaultValue: "" },
        email: { type: DataTypes.STRING(255), allowNull: true },
        phone: { type: DataTypes.STRING(32), allowNull: true },
        unitId: { type: DataTypes.INTEGER, allowNull: false },
        departmentId: { type: DataTypes.INTEGER, allowNull: true },
        positionId: { type: DataTypes.INTEGER, allowNull: true },
        passwordHash: { type: DataTypes.STRING(255), allowNull: false },
        mustChangePassword: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
        passwordChangedAt: { type: DataTypes.DATE, allowNull: true },
        failedLogins: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        lockedUntil: { type: DataTypes.DATE, allowNull: true },
        disabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        totpSecret: { type: DataTypes.STRING(64), allowNull: true },
        totpEnabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        recoveryCodes: { type: DataTypes.TEXT, allowNull: true },
        lastLoginAt: { type: DataTypes.DATE, allowNull: true },
        previousLoginAt: { type: DataTypes.DATE, allowNull: true },
        totpLastStep: { type: DataTypes.INTEGER, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "users" },
    );
  }
}

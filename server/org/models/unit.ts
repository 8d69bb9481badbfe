import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from "sequelize";

export const UNIT_KINDS = ["government", "office", "district", "county", "bureau", "other"] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/**
 * The kind of the one built-in unit that holds the library's self-registered
 * patrons (公众读者, migration 0025). It is not part of the organisation: never
 * in the tree, the directory or a unit picker, and no unit can be made of it.
 */
export const PUBLIC_UNIT_KIND = "public";
export const PUBLIC_UNIT_CODE = "public-patrons";

export class Unit extends Model<InferAttributes<Unit>, InferCreationAttributes<Unit>> {
  declare id: CreationOptional<number>;
  declare parentId: number | null;
  declare path: CreationOptional<string>;
  declare code: string;
  declare name: string;
  declare shortName: string | null;
  declare kind: UnitKind | typeof PUBLIC_UNIT_KIND;
  declare sortOrder: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Unit.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        parentId: { type: DataTypes.INTEGER, allowNull: true },
        path: { type: DataTypes.STRING(512), allowNull: false, defaultValue: "/" },
        code: { type: DataTypes.STRING(64), allowNull: false },
        name: { type: DataTypes.STRING(128), allowNull: false },
        shortName: { type: DataTypes.STRING(32), allowNull: true },
        kind: { type: DataTypes.STRING(16), allowNull: false },
        sortOrder: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "units" },
    );
  }

  /** True when `other` is this unit or below it. */
  contains(other: Pick<Unit, "path">): boolean {
    return other.path.startsWith(this.path);
  }
}

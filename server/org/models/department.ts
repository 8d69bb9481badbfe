import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from "sequelize";

export class Department extends Model<InferAttributes<Department>, InferCreationAttributes<Department>> {
  declare id: CreationOptional<number>;
  declare unitId: number;
  declare name: string;
  declare sortOrder: CreationOptional<number>;
  /** The department's head (科长/处长), whom the OA sends its drafts to review; null: its highest-ranked member. */
  declare headUserId: CreationOptional<number | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Department.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        unitId: { type: DataTypes.INTEGER, allowNull: false },
        name: { type: DataTypes.STRING(128), allowNull: false },
        sortOrder: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        headUserId: { type: DataTypes.INTEGER, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "departments" },
    );
  }
}

import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from "sequelize";

/** How the reader fits a page: to the width, the whole page, or a factor of its printed size ("1.25"). */
export type ReaderZoom = string;

/** Where a patron left a file of a title (migration 0026): one row per patron × file. */
export class LibraryReadingPosition extends Model<
  InferAttributes<LibraryReadingPosition>,
  InferCreationAttributes<LibraryReadingPosition>
> {
  declare id: CreationOptional<number>;
  declare userId: number;
  declare titleId: number;
  declare fileId: number;
  declare page: number;
  declare zoom: ReaderZoom;
  declare updatedAt: Date;

  static initModel(sequelize: Sequelize): void {
    LibraryReadingPosition.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        userId: { type: DataTypes.INTEGER, allowNull: false },
        titleId: { type: DataTypes.INTEGER, allowNull: false },
        fileId: { type: DataTypes.INTEGER, allowNull: false },
        page: { type: DataTypes.INTEGER, allowNull: false },
        zoom: { type: DataTypes.STRING(16), allowNull: false },
        updatedAt: { type: DataTypes.DATE(3), allowNull: false },
      },
      // updatedAt is set by the service (the time the reader turned the page), not by Sequelize.
      { sequelize, tableName: "library_reading_positions", timestamps: false },
    );
  }
}

/** A page a patron marked in a file of a title. */
export class LibraryBookmark extends Model<InferAttributes<LibraryBookmark>, InferCreationAttributes<LibraryBookmark>> {
  declare id: CreationOptional<number>;
  declare userId: number;
  declare titleId: number;
  declare fileId: number;
  declare page: number;
  declare label: string;
  declare createdAt: Date;

  static initModel(sequelize: Sequelize): void {
    LibraryBookmark.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        userId: { type: DataTypes.INTEGER, allowNull: false },
        titleId: { type: DataTypes.INTEGER, allowNull: false },
        fileId: { type: DataTypes.INTEGER, allowNull: false },
        page: { type: DataTypes.INTEGER, allowNull: false },
        label: { type: DataTypes.STRING(200), allowNull: false, defaultValue: "" },
        createdAt: { type: DataTypes.DATE(3), allowNull: false },
      },
      { sequelize, tableName: "library_bookmarks", timestamps: false },
    );
  }
}

export function initReadingModels(sequelize: Sequelize): void {
  LibraryReadingPosition.initModel(sequelize);
  LibraryBookmark.initModel(sequelize);
}

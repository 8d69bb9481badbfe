import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * Reading in the browser (server/library, reading): where each patron left
 * each file of a title, and their bookmarks. Kept on the server so that a
 * book opens at the same page on any device.
 *
 * - `library_reading_positions`: one row per patron × file (the title is kept
 *   beside it to find a title's positions at once); the page, the zoom as the
 *   reader names it (`fit-width`, `fit-page` or a factor such as `1.25`).
 * - `library_bookmarks`: a patron's marked pages of a file with a label.
 */
export async function up({ context: q }: Migration): Promise<void> {
  const ref = (model: string) => ({
    type: DataTypes.INTEGER,
    allowNull: false,
    references: { model, key: "id" },
    onDelete: "CASCADE",
  });
  await q.createTable("library_reading_positions", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    userId: ref("users"),
    titleId: ref("library_titles"),
    fileId: ref("library_files"),
    page: { type: DataTypes.INTEGER, allowNull: false },
    zoom: { type: DataTypes.STRING(16), allowNull: false },
    updatedAt: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex("library_reading_positions", ["userId", "fileId"], {
    unique: true,
    name: "library_reading_positions_once",
  });
  await q.addIndex("library_reading_positions", ["userId", "titleId", "updatedAt"]);

  await q.createTable("library_bookmarks", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    userId: ref("users"),
    titleId: ref("library_titles"),
    fileId: ref("library_files"),
    page: { type: DataTypes.INTEGER, allowNull: false },
    label: { type: DataTypes.STRING(200), allowNull: false, defaultValue: "" },
    createdAt: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex("library_bookmarks", ["userId", "titleId", "page"]);
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.dropTable("library_bookmarks");
  await q.dropTable("library_reading_positions");
}

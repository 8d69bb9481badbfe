import { QueryTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/** As in server/org/models/unit.ts (PUBLIC_UNIT_KIND, PUBLIC_UNIT_CODE); a migration keeps its own copy of what it wrote. */
const KIND = "public";
const CODE = "public-patrons";

/**
 * The unit that holds the e-library's self-registered patrons (公众读者). It
 * is a root of its own, outside the government's tree: the organisation's
 * tree, directory and unit pickers leave it out (by its kind), and the library
 * tells public patrons from civil servants by it. The role `patron` (读者)
 * they hold is a built-in role kept by the permission catalogue at start-up.
 */
export async function up({ context: q }: Migration): Promise<void> {
  const now = new Date();
  await q.bulkInsert("units", [
    {
      parentId: null,
      path: "/",
      code: CODE,
      name: "公众读者",
      shortName: null,
      kind: KIND,
      sortOrder: 1_000_000,
      createdAt: now,
      updatedAt: now,
    },
  ]);
  const [unit] = await q.sequelize.query<{ id: number }>("SELECT id FROM units WHERE code = ?", {
    replacements: [CODE],
    type: QueryTypes.SELECT,
  });
  if (!unit) throw new Error("the public patrons' unit was not created");
  await q.sequelize.query("UPDATE units SET path = ? WHERE id = ?", { replacements: [`/${unit.id}/`, unit.id] });
}

/** Removes the unit with the patrons in it, and what is theirs alone (loans, holds, sessions, roles, notifications). */
export async function down({ context: q }: Migration): Promise<void> {
  const [unit] = await q.sequelize.query<{ id: number }>("SELECT id FROM units WHERE code = ? AND kind = ?", {
    replacements: [CODE, KIND],
    type: QueryTypes.SELECT,
  });
  if (!unit) return;
  const patrons = "(SELECT id FROM users WHERE unitId = ?)";
  for (const [table, column] of [
    ["library_holds", "userId"],
    ["library_loans", "userId"],
    ["notification_channel_settings", "userId"],
    ["notifications", "userId"],
    ["role_assignments", "userId"],
    ["sessions", "userId"],
  ] as const) {
    await q.sequelize.query(`DELETE FROM ${table} WHERE ${column} IN ${patrons}`, { replacements: [unit.id] });
  }
  await q.sequelize.query("DELETE FROM users WHERE unitId = ?", { replacements: [unit.id] });
  await q.sequelize.query("DELETE FROM units WHERE id = ?", { replacements: [unit.id] });
}

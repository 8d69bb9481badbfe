import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * `usage_events`: one row per thing the city's statistics count (a patron
 * registered, a class page opened, a search, a borrowing, a download, an OPDS
 * request; later sign-ins, OA uses, mail sent) — server/stats/services/usage.ts.
 * No foreign key on `userId`: the figures outlive the accounts they count, and
 * recording must never wait on or fail over the users table.
 * The (kind, at) index is what every monthly and daily count ranges over;
 * borrowings are counted from the loans themselves, by the day they were made,
 * over an index of their own on `library_loans.borrowedAt`.
 */
export async function up({ context: q }: Migration): Promise<void> {
  await q.createTable("usage_events", {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    kind: { type: DataTypes.STRING(40), allowNull: false },
    userId: { type: DataTypes.INTEGER, allowNull: true },
    subject: { type: DataTypes.STRING(200), allowNull: true },
    at: { type: DataTypes.DATE(3), allowNull: false },
  });
  await q.addIndex("usage_events", ["kind", "at"], { name: "usage_events_kind_at" });
  await q.addIndex("library_loans", ["borrowedAt"], { name: "library_loans_borrowed_at" });
}

export async function down({ context: q }: Migration): Promise<void> {
  await q.removeIndex("library_loans", "library_loans_borrowed_at");
  await q.dropTable("usage_events");
}

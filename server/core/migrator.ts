import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import type { QueryInterface, Sequelize } from "sequelize";
import { SequelizeStorage, Umzug } from "umzug";

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "migrations");

export type Migrator = Umzug<QueryInterface>;

/** Migrations are the only source of schema truth; files run in name order. */
export function createMigrator(sequelize: Sequelize): Migrator {
  return new Umzug({
    migrations: { glob: ["[0-9][0-9][0-9][0-9]-*.ts", { cwd: migrationsDir }] },
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: "schema_migrations" }),
    logger: undefined,
  });
}

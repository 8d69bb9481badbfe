import type { QueryInterface, Sequelize } from "sequelize";
import { SequelizeStorage, Umzug } from "umzug";
import { MIGRATIONS } from "../../migrations/index.js";

export type Migrator = Umzug<QueryInterface>;

/** Migrations are the only source of schema truth; they run in the listed order. */
export function createMigrator(sequelize: Sequelize): Migrator {
  return new Umzug({
    migrations: MIGRATIONS.map(([name, module]) => ({
      name,
      up: (params) => module.up(params),
      down: (params) => module.down(params),
    })),
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: "schema_migrations" }),
    logger: undefined,
  });
}

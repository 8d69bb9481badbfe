/**
 * Database chores:
 *   npm run db:migrate                       apply pending migrations
 *   npm run db:rollback [-- --all]           undo the last (or every) migration
 *   npm run db:seed                          create the demo organisation on an empty database
 *   npm run db:seed -- --large --units 300 --users 100000   add a generated organisation for benchmarks
 */
import { parseArgs } from "node:util";
import { env } from "../env.js";
import { createLogger } from "../core/logger.js";
import { openDatabase } from "../core/db.js";
import { createMigrator } from "../core/migrator.js";
import { initModels, prepareDatabase } from "../server.js";
import { hasOrganisation } from "../org/services/units.js";
import { seedDemoOrganisation } from "../org/services/demoOrganisation.js";
import { generateLargeOrganisation } from "../org/services/largeOrganisation.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    all: { type: "boolean", default: false },
    large: { type: "boolean", default: false },
    units: { type: "string", default: "300" },
    users: { type: "string", default: "100000" },
    prefix: { type: "string", default: "gen" },
  },
});
const command = positionals[0];
const config = env();
const logger = createLogger("warn");

if (command === "migrate") {
  const sequelize = await prepareDatabase(config, logger);
  const executed = await createMigrator(sequelize).executed();
  process.stdout.write(`schema is at ${executed.at(-1)?.name ?? "(empty)"} (${executed.length} migrations)\n`);
  await sequelize.close();
} else if (command === "rollback") {
  const sequelize = openDatabase(config.DATABASE_URL);
  initModels(sequelize);
  const reverted = await createMigrator(sequelize).down(values.all ? { to: 0 } : undefined);
  process.stdout.write(`reverted: ${reverted.map((m) => m.name).join(", ") || "nothing"}\n`);
  await sequelize.close();
} else if (command === "seed") {
  const sequelize = await prepareDatabase(config, logger);
  if (values.large) {
    const started = Date.now();
    const result = await generateLargeOrganisation(sequelize, {
      units: Number(values.units),
      users: Number(values.users),
      prefix: values.prefix,
    });
    process.stdout.write(
      `generated ${result.units} units, ${result.departments} departments, ${result.users} users in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  } else if (await hasOrganisation()) {
    process.stdout.write("the database already has an organisation; nothing seeded\n");
  } else {
    const accounts = await seedDemoOrganisation(sequelize, config.PASSWORD_HASH_MEMORY_KIB);
    for (const a of accounts) process.stdout.write(`${a.username}\t${a.password}\t${a.role}\n`);
  }
  await sequelize.close();
} else {
  process.stderr.write("usage: db.ts migrate | rollback [--all] | seed [--large --units N --users N]\n");
  process.exitCode = 64;
}

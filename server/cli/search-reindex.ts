/**
 * Rebuilds the search index from the database, for the backend the
 * configuration names (the embedded index, or Elasticsearch with
 * ELASTICSEARCH_URL):
 *
 *   npm run search:reindex [-- --collection archive]
 *
 * Safe while the servers run: searches see the collection fill up again, and
 * changes made meanwhile stay in the outbox and are applied after.
 */
import { parseArgs } from "node:util";
import { env } from "../env.js";
import { createLogger } from "../core/logger.js";
import { openSearchServices, prepareDatabase, REINDEX_SOURCES } from "../server.js";
import { reindex } from "../search/reindex.js";

const { values } = parseArgs({ options: { collection: { type: "string" } } });
const sources = REINDEX_SOURCES.filter((s) => !values.collection || s.collection === values.collection);
if (sources.length === 0) {
  process.stderr.write(
    `search:reindex: no collection ${values.collection}; there are ${REINDEX_SOURCES.map((s) => s.collection).join(", ")}\n`,
  );
  process.exit(2);
}
const config = env();
const logger = createLogger("warn");
const sequelize = await prepareDatabase(config, logger);
const { search } = await openSearchServices(config, logger);
for (const source of sources) {
  const started = Date.now();
  const count = await reindex(search, source, (n) => process.stdout.write(`\r${source.collection}: ${n} indexed`));
  process.stdout.write(
    `\r${source.collection}: ${count} documents indexed in ${((Date.now() - started) / 1000).toFixed(1)} s (${search.name})\n`,
  );
}
await search.close();
await sequelize.close();

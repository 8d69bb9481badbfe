/**
 * Removes the files of the blob store (DATA_DIR/blobs) that nothing refers to
 * any more — an archive original replaced by a changed file, say:
 *
 *   npm run blobs:sweep [-- --grace-hours 24]
 *
 * Safe while servers and imports run: a blob written or put again within the
 * grace period is kept, as the row that will refer to it may not have
 * committed yet (server/core/blobStore.ts, sweep).
 */
import { parseArgs } from "node:util";
import { env } from "../env.js";
import { createLogger } from "../core/logger.js";
import { createBlobStore } from "../core/blobStore.js";
import { prepareDatabase, referencedBlobs } from "../server.js";

const { values } = parseArgs({ options: { "grace-hours": { type: "string", default: "24" } } });
const graceHours = Number(values["grace-hours"]);
// Under an hour, a slow upload or import could lose the file it has just written.
if (!(graceHours >= 1)) {
  process.stderr.write("blobs:sweep: --grace-hours is a number of hours, at least 1\n");
  process.exit(2);
}
const config = env();
const sequelize = await prepareDatabase(config, createLogger("warn"));
const started = Date.now();
const report = await createBlobStore(config).sweep({ referenced: referencedBlobs, graceMs: graceHours * 3_600_000 });
process.stdout.write(
  `${report.examined} blobs examined, ${report.removed} removed (${(report.freedBytes / 1024 / 1024).toFixed(1)} MB), ` +
    `${report.staleTemps} unfinished writes cleared, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
await sequelize.close();

// `npm run mail`: the MX on its own, for a deployment that runs mail apart from the
// web server (set SMTP_PORT=off on the web instances then). Same database, same blobs.
import { env } from "../server/env.js";
import { createBlobStore } from "../server/core/blobStore.js";
import { createLogger } from "../server/core/logger.js";
import { createMailServer, prepareDatabase } from "../server/server.js";
import { closeSmtp, listenSmtp } from "./smtpCommon.js";

const config = env();
if (config.SMTP_PORT === "off") {
  process.stderr.write("SMTP_PORT is off: nothing to run\n");
  process.exit(2);
}
const logger = createLogger(config.LOG_LEVEL);
const sequelize = await prepareDatabase(config, logger);
const mx = await createMailServer(config, sequelize, createBlobStore(config), logger);
const port = await listenSmtp(mx, config.SMTP_PORT, config.HOST);
logger.info({ port, domains: config.MAIL_DOMAINS }, "smtp (MX) listening");
process.stdout.write(`Yong Office mail (MX) is listening on port ${port} for ${config.MAIL_DOMAINS.join(", ")}\n`);
const stop = () => {
  closeSmtp(mx)
    .then(() => sequelize.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);

// `npm run mail`: the mail service on its own (MX, submission on 587 and 465,
// remote delivery), for a deployment that runs mail apart from the web server
// (set SMTP_PORT, SUBMISSION_PORT and SMTPS_PORT to off on the web instances
// then). Same database, same blobs; remote delivery is shared with every other
// instance through the job queue.
import { env } from "../server/env.js";
import { createBlobStore } from "../server/core/blobStore.js";
import { createLogger } from "../server/core/logger.js";
import { JobRunner } from "../server/jobs/services/runner.js";
import { mailJobHandlers, prepareDatabase, startMailListeners } from "../server/server.js";

const config = env();
if (config.SMTP_PORT === "off" && config.SUBMISSION_PORT === "off" && config.SMTPS_PORT === "off") {
  process.stderr.write("SMTP_PORT, SUBMISSION_PORT and SMTPS_PORT are off: nothing to run\n");
  process.exit(2);
}
const logger = createLogger(config.LOG_LEVEL);
const sequelize = await prepareDatabase(config, logger);
const blobs = createBlobStore(config);
const mail = await startMailListeners(config, sequelize, blobs, logger);
const jobs = new JobRunner(mailJobHandlers(config, sequelize, blobs, logger), logger, config.JOB_POLL_MS);
jobs.start();
const domains = config.MAIL_DOMAINS.join(", ");
if (mail.smtpPort !== null)
  process.stdout.write(`Yong Office mail (MX) is listening on port ${mail.smtpPort} for ${domains}\n`);
if (mail.submissionPort !== null)
  process.stdout.write(`Yong Office mail (submission, STARTTLS) is listening on port ${mail.submissionPort}\n`);
if (mail.smtpsPort !== null)
  process.stdout.write(`Yong Office mail (submission, TLS) is listening on port ${mail.smtpsPort}\n`);
const stop = () => {
  mail
    .close()
    .then(() => jobs.stop())
    .then(() => sequelize.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);

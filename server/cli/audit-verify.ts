/**
 * `npm run audit:verify`: walks the audit hash chain with the audit key and holds it against the
 * checkpoints outside the database; exit code 0 when intact, 2 when broken, rewritten, truncated or emptied.
 */
import { env } from "../env.js";
import { createLogger } from "../core/logger.js";
import { prepareDatabase } from "../server.js";
import { verifyAuditChain } from "../audit/services/auditChain.js";

const config = env();
const sequelize = await prepareDatabase(config, createLogger("warn"));
try {
  const report = await verifyAuditChain();
  if (report.ok) {
    process.stdout.write(
      `audit log intact: ${report.checked} events verified against ${report.checkpoints} signed checkpoints\n`,
    );
  } else {
    process.stdout.write(
      `audit log BROKEN at event ${report.problem?.seq} (${report.problem?.kind}): ${report.problem?.message}\n`,
    );
    process.exitCode = 2;
  }
} finally {
  await sequelize.close();
}

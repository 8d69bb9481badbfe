import { env } from "./env.js";
import { startServer } from "./server.js";
import type { DemoAccount } from "./org/services/demoOrganisation.js";

function printDemoAccounts(accounts: DemoAccount[]): void {
  // Printed once, to the terminal only (never to the structured log): these are secrets.
  const lines = accounts.map(
    (a) => `  ${a.username.padEnd(26)} ${a.password}   ${a.role.padEnd(10)} ${a.displayName} · ${a.unit}`,
  );
  process.stdout.write(
    [
      "",
      "Demo organisation created. Initial passwords (shown only this once; each must be changed at first login):",
      ...lines,
      "Other demo staff accounts get a password from the system administrator (用户管理 → 重置密码).",
      "",
    ].join("\n") + "\n",
  );
}

async function main(): Promise<void> {
  let config;
  try {
    config = env();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  // tsx turns source maps on, and Sequelize's SQLite driver takes an Error stack on every
  // query: mapping its frames cost ~7% of a list request's CPU. Production logs keep the
  // transpiled positions; development keeps readable stacks.
  if (config.NODE_ENV === "production") process.setSourceMapsEnabled(false);
  const server = await startServer(config);
  if (server.demoAccounts.length) printDemoAccounts(server.demoAccounts);
  process.stdout.write(`Yong Office is running at http://localhost:${server.port}\n`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main();

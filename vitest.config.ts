import { fileURLToPath, URL } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The client's own alias, for client modules tested here that import others at run time.
  resolve: { alias: { "@": fileURLToPath(new URL("./client/src", import.meta.url)) } },
  test: {
    include: [
      "server/**/*.test.ts",
      "client/src/**/*.test.ts",
      "tests/**/*.test.ts",
      "archive-importer/**/*.test.ts",
      "mail/**/*.test.ts",
    ],
    exclude: ["tests/browser/**", "node_modules/**"],
    environment: "node",
    // Each test file gets its own database; two workers keep a 2-core machine responsive.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

import { fileURLToPath, URL } from "node:url";
import { defineConfig } from "vitest/config";

// The browser suite drives the built SPA through Debian's Chromium; the root
// config excludes this folder so `npm test` stays headless and fast.
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["tests/browser/**/*.test.ts"],
    environment: "node",
    // One browser at a time on a 2-core CI machine.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});

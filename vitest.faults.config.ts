import { defineConfig } from "vitest/config";

// The fault-injection suite (npm run test:faults): slow, starts its own Redis servers.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.fault.ts"],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    globalSetup: ["test/global-setup.ts"],
  },
});

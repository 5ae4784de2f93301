import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests start real processes and talk to real Redis: give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: run files in parallel but not so many that timeouts become flaky.
    maxWorkers: 2,
    globalSetup: ["test/global-setup.ts"],
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // expect.poll waits on a condition, like test/helpers/until.ts: 1 s (vitest's default)
    // is too little for a browser or a process on a loaded machine.
    expect: { poll: { timeout: 20_000 } },
    include: ["test/**/*.test.ts"],
    // Integration tests start real processes and talk to real Redis: give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: run files in parallel but not so many that timeouts become flaky.
    maxWorkers: 2,
    globalSetup: ["test/global-setup.ts"],
  },
});

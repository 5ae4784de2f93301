import { defineConfig } from "vitest/config";

// The fault-injection suite (npm run test:faults): slow, starts its own Redis servers.
export default defineConfig({
  test: {
    // expect.poll waits on a condition, like test/helpers/until.ts: 1 s (vitest's default)
    // is too little for a browser or a process on a loaded machine.
    expect: { poll: { timeout: 20_000 } },
    include: ["test/faults/**/*.fault.ts"],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    globalSetup: ["test/global-setup.ts"],
  },
});

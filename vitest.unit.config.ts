import { defineConfig } from "vitest/config";

// `npm run test:unit`: the tier that needs no service at all (no Redis, no PostgreSQL, no
// browser, no QEMU), for a quick check while working: the Rhai engine, heroscript, jobs and
// signatures, the sandbox, SAL functions that act on files and processes, the policy.
// `npm test` runs everything, this tier included. A test file that needs a service goes
// in `exclude` (or in a folder not listed): with HORUS_REDIS_URL pointing nowhere this tier
// must still pass.
export default defineConfig({
  test: {
    // expect.poll waits on a condition, like test/helpers/until.ts: 1 s (vitest's default)
    // is too little for a browser or a process on a loaded machine.
    expect: { poll: { timeout: 20_000 } },
    include: [
      "test/rhai/**/*.test.ts",
      "test/heroscript/**/*.test.ts",
      "test/job/**/*.test.ts",
      "test/util/**/*.test.ts",
      "test/host/**/*.test.ts",
      "test/sandbox/**/*.test.ts",
      "test/fuzz/{heroscript,job,rhai}.test.ts",
      "test/osiris/{docs,json,models}.test.ts",
      "test/sal/{glob,os-files,process,reference,text,doc-examples}.test.ts",
      "test/protocol/codes.test.ts",
      "test/cli/flags.test.ts",
      "test/bench/table.test.ts",
    ],
    exclude: [
      // These start runner processes against Redis.
      "test/heroscript/herorunner.test.ts",
      "test/heroscript/herorunner-sal.test.ts",
      "test/heroscript/sal-actions.test.ts",
      "test/heroscript/hero-cli.test.ts",
      "test/sandbox/sandbox.test.ts",
    ],
    testTimeout: 60_000,
    maxWorkers: 2,
    // Builds dist/ (some tests load the sandbox's worker from it); checks no service.
    globalSetup: ["test/build-setup.ts"],
  },
});

// Runs once before the suite: builds dist/ (integration tests start the real commands from
// there) and checks that Redis answers, so a missing service fails fast with a clear word.
import { spawnSync } from "node:child_process";
import { Socket } from "node:net";

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, "127.0.0.1");
  });
}

export default async function setup(): Promise<void> {
  // tsc emits even when it finds type errors; those are reported by `npm run typecheck`
  // (part of `npm test`), so here a type error only warns and the suite still runs.
  const build = spawnSync("npx", ["--no-install", "tsc", "-p", "tsconfig.build.json"], {
    encoding: "utf8",
  });
  if (build.status !== 0) {
    const errors = (build.stdout.match(/error TS/g) ?? []).length;
    process.stderr.write(
      `global setup: tsc reported ${errors} type error(s); dist/ was emitted anyway\n`,
    );
  }
  if (!(await portAnswers(6379))) {
    throw new Error("Redis does not answer on 127.0.0.1:6379: run `npm test` (it starts it)");
  }
}

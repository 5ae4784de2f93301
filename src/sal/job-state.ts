// What SAL remembers about one running job on the main thread: its working directory
// (`chdir`) and its PostgreSQL connection (`pg_connect`); the process groups it leaves
// behind are the host kit's, killed when the job's signal aborts. Kept in one place
// because several modules share it (the process module runs commands in the directory the
// os module's `chdir` chose), and dropped as soon as the job ends.

import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import type { MainSideContext } from "../host/index.js";

export interface JobState {
  /** Absolute working directory of the job; relative paths resolve against it. */
  cwd: string;
  /** The job's chosen PostgreSQL connection (a pool key), once `pg_connect` was called. */
  pgKey?: string;
  /** `package_set_debug(true)`: package commands log their command line and output. */
  packageDebug?: boolean;
}

const states = new Map<string, JobState>();

/** The state of the job `ctx` serves, created on first use and removed when the job ends. */
export function jobState(ctx: MainSideContext): JobState {
  const id = ctx.job.jobId;
  let state = states.get(id);
  if (!state) {
    const workDir = ctx.job.options.workDir;
    const created: JobState = {
      cwd: typeof workDir === "string" && workDir !== "" ? resolve(workDir) : process.cwd(),
    };
    state = created;
    states.set(id, created);
    ctx.onJobEnd(() => {
      states.delete(id);
    });
  }
  return state;
}

/** The job's home directory: its HOME env var, else the runner's. */
export function jobHome(ctx: MainSideContext): string {
  return ctx.job.envVars.HOME || process.env.HOME || homedir();
}

/** A script's path made absolute: `~/` is the job's home, relative is against its cwd. */
export function resolvePath(ctx: MainSideContext, path: string): string {
  if (path === "~") return jobHome(ctx);
  if (path.startsWith("~/")) return resolve(jobHome(ctx), path.slice(2));
  return isAbsolute(path) ? resolve(path) : resolve(jobState(ctx).cwd, path);
}

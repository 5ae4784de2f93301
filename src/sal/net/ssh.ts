// SSH through the system's OpenSSH client (`ssh`), run as a child of the job: its own
// process group, the job's environment, killed when the job ends. Key-based only: BatchMode
// means ssh never waits for a password or a host-key question that nobody would answer.
//
// Host and user are checked before they reach the command line: a host such as
// "-oProxyCommand=..." would otherwise be an option, and run a command on the runner.

import {
  argMap,
  argNonEmpty,
  checkKeys,
  guard,
  type HostFunction,
  hostError,
  type MainSideContext,
  mainFn,
  overloads,
} from "../../host/index.js";
import { Float, type RhaiMap, typeName, type Value } from "../../rhai/index.js";
import { coerceError } from "../../util/index.js";
import { jobState, resolvePath } from "../job-state.js";
import { runProcess, type SpawnResult } from "../process/spawn.js";

const CONNECT_TIMEOUT_S = 10;
/** ssh's own exit code when it, not the remote command, failed (connect, auth, host key). */
const SSH_FAILED = 255;

/** A host name or IPv4 address, or an IPv6 address (bare or in brackets): never a leading `-`. */
const HOST = /^[A-Za-z0-9_][A-Za-z0-9._-]*$|^\[?[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?\]?$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const HOST_KEY_MODES = ["yes", "accept-new", "no"] as const;
const OPTION_KEYS = ["port", "key", "known_hosts", "host_key_check", "connect_timeout", "timeout"];

interface SshOptions {
  port?: number;
  key?: string;
  knownHosts?: string;
  hostKeyCheck: (typeof HOST_KEY_MODES)[number];
  connectTimeout: number;
  timeout?: number;
}

function seconds(fn: string, key: string, v: Value): number {
  const n = typeof v === "number" ? v : v instanceof Float ? v.value : Number.NaN;
  if (!(n > 0 && Number.isFinite(n)))
    throw hostError(fn, `option "${key}" must be a positive number of seconds`);
  return n;
}

function options(ctx: MainSideContext, fn: string, map: RhaiMap | undefined): SshOptions {
  const out: SshOptions = { hostKeyCheck: "accept-new", connectTimeout: CONNECT_TIMEOUT_S };
  if (!map) return out;
  checkKeys(fn, map, OPTION_KEYS);
  for (const [key, v] of map) {
    if (key === "port") {
      if (typeof v !== "number" || v < 1 || v > 65535)
        throw hostError(fn, `option "port" must be a port number (1-65535), got ${String(v)}`);
      out.port = v;
    } else if (key === "key" || key === "known_hosts") {
      if (typeof v !== "string" || v === "")
        throw hostError(fn, `option "${key}" must be a file path, got ${typeName(v)}`);
      if (key === "key") out.key = resolvePath(ctx, v);
      else out.knownHosts = resolvePath(ctx, v);
    } else if (key === "host_key_check") {
      const mode = HOST_KEY_MODES.find((m) => m === v);
      if (!mode)
        throw hostError(fn, `option "host_key_check" must be one of ${HOST_KEY_MODES.join(", ")}`);
      out.hostKeyCheck = mode;
    } else if (key === "connect_timeout") {
      out.connectTimeout = Math.max(1, Math.ceil(seconds(fn, key, v)));
    } else {
      out.timeout = seconds(fn, key, v);
    }
  }
  return out;
}

function target(fn: string, args: readonly Value[]): { host: string; user: string } {
  const host = argNonEmpty(fn, args, 0, "host");
  const user = argNonEmpty(fn, args, 1, "user");
  if (!HOST.test(host))
    throw hostError(fn, `not a valid host name or address: ${JSON.stringify(host)}`);
  if (!USER.test(user)) throw hostError(fn, `not a valid user name: ${JSON.stringify(user)}`);
  return { host: host.replace(/^\[(.*)\]$/, "$1"), user };
}

/** The ssh argument list: fixed safety options, the caller's, then `--`, host, command. */
export function sshArgs(host: string, user: string, o: SshOptions, command: string): string[] {
  const args = [
    "-T",
    "-o",
    "BatchMode=yes",
    "-o",
    `ConnectTimeout=${o.connectTimeout}`,
    "-o",
    `StrictHostKeyChecking=${o.hostKeyCheck}`,
    "-o",
    "LogLevel=ERROR",
    "-l",
    user,
  ];
  if (o.port !== undefined) args.push("-p", String(o.port));
  if (o.key !== undefined) args.push("-i", o.key, "-o", "IdentitiesOnly=yes");
  if (o.knownHosts !== undefined) args.push("-o", `UserKnownHostsFile=${o.knownHosts}`);
  args.push("--", host, command);
  return args;
}

async function ssh(
  ctx: MainSideContext,
  fn: string,
  args: readonly Value[],
  command: string,
  optionIndex: number,
  log: boolean,
): Promise<SpawnResult & { where: string }> {
  const { host, user } = target(fn, args);
  const map = args.length > optionIndex ? argMap(fn, args, optionIndex, "options") : undefined;
  const o = options(ctx, fn, map);
  const r = await runProcess(ctx, {
    command: "ssh",
    args: sshArgs(host, user, o, command),
    cwd: jobState(ctx).cwd,
    ...(o.timeout === undefined ? {} : { timeout: o.timeout }),
    ...(log ? { onLine: (line: string) => ctx.log(line) } : {}),
  }).catch((e: Error) => {
    throw e.message.startsWith("command not found")
      ? new Error("the ssh client is not installed (Debian: apt-get install openssh-client)")
      : e;
  });
  const where = `${user}@${host}${o.port === undefined ? "" : `:${o.port}`}`;
  if (r.timedOut) throw new Error(`${where} did not finish within ${o.timeout}s`);
  return { ...r, where };
}

function sshFailure(where: string, r: SpawnResult): Error {
  const detail = r.stderr.trim().split("\n").slice(-3).join("; ") || "no message";
  return new Error(`ssh to ${where} failed: ${detail}`);
}

const OPTIONS_DOC =
  "Options (a map, last argument): `port`, `key` (private key file), `known_hosts` (file), `host_key_check` (`yes`, `accept-new` (default) or `no`), `connect_timeout` (seconds, default 10), `timeout` (seconds for the whole call).";

export const sshFunctions: HostFunction[] = [
  ...overloads(
    mainFn({
      name: "ssh_execute",
      params: ["string", "string", "string"],
      returns: "i64",
      doc: `Runs a command on a host over SSH as a user (key-based; never asks for a password) and returns its exit code; its output goes to the job's log. An error if ssh cannot connect or log in (ssh's own exit code 255). ${OPTIONS_DOC}`,
      example:
        'let code = ssh_execute("10.0.0.5", "root", "systemctl restart app", #{key: "~/.ssh/deploy"});',
      run: (ctx, args) =>
        guard("ssh_execute", async () => {
          const command = argNonEmpty("ssh_execute", args, 2, "command");
          const r = await ssh(ctx, "ssh_execute", args, command, 3, true);
          if (r.code === SSH_FAILED) throw sshFailure(r.where, r);
          return r.code;
        }),
    }),
    ["string", "string", "string", "map"],
  ),
  ...overloads(
    mainFn({
      name: "ssh_execute_output",
      params: ["string", "string", "string"],
      returns: "string",
      doc: `Runs a command on a host over SSH and returns what it printed on stdout; an error (with the end of its stderr) if it exits non-zero or ssh fails. Same options as ssh_execute.`,
      example: 'let up = ssh_execute_output("10.0.0.5", "root", "uptime");',
      run: (ctx, args) =>
        guard("ssh_execute_output", async () => {
          const command = argNonEmpty("ssh_execute_output", args, 2, "command");
          const r = await ssh(ctx, "ssh_execute_output", args, command, 3, false);
          if (r.code === SSH_FAILED) throw sshFailure(r.where, r);
          if (r.code !== 0) {
            const detail = r.stderr.trim().split("\n").slice(-3).join("; ");
            throw new Error(
              `command on ${r.where} exited with code ${r.code}${detail ? `: ${detail}` : ""}`,
            );
          }
          return r.stdout;
        }),
    }),
    ["string", "string", "string", "map"],
  ),
  ...overloads(
    mainFn({
      name: "ssh_ping",
      params: ["string", "string"],
      returns: "bool",
      doc: "Whether a user can log in to a host over SSH (and run `true` there) within the connect timeout; false rather than an error when not. Same options as ssh_execute.",
      example: 'if !ssh_ping("10.0.0.5", "root", #{port: 2222}) { throw "host down"; }',
      run: (ctx, args) =>
        guard("ssh_ping", async () => {
          // Bad arguments are errors; only an unreachable or refusing host is `false`.
          target("ssh_ping", args);
          if (args.length > 2) options(ctx, "ssh_ping", argMap("ssh_ping", args, 2, "options"));
          try {
            return (await ssh(ctx, "ssh_ping", args, "true", 2, false)).code === 0;
          } catch (e) {
            if (coerceError(e).message.startsWith("the ssh client is not installed")) throw e;
            if (ctx.signal.aborted) throw e;
            return false;
          }
        }),
    }),
    ["string", "string", "map"],
  ),
];

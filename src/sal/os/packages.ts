// System packages through the platform's manager: apt on Debian/Ubuntu, Homebrew on macOS.
// Package names are checked and passed as separate arguments (never through a shell), and
// the manager runs as a child of the job, so it is killed if the job ends.

import {
  argNonEmpty,
  guard,
  type HostFunction,
  hostError,
  type MainSideContext,
  mainFn,
} from "../../host/index.js";
import { typeName, type Value } from "../../rhai/index.js";
import { jobState } from "../job-state.js";
import { runProcess } from "../process/spawn.js";
import { whichCommand } from "./find.js";

type Manager = "apt" | "brew";

const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._:@/=~-]*$/;

async function manager(ctx: MainSideContext): Promise<Manager> {
  if ((await whichCommand(ctx, "apt-get")) !== "") return "apt";
  if ((await whichCommand(ctx, "brew")) !== "") return "brew";
  throw new Error("no supported package manager (apt-get or brew) on this machine");
}

async function exec(ctx: MainSideContext, command: string, args: string[]) {
  const state = jobState(ctx);
  if (state.packageDebug) ctx.log(`package: ${command} ${args.join(" ")}`);
  const r = await runProcess(ctx, {
    command,
    args,
    cwd: state.cwd,
    env: { DEBIAN_FRONTEND: "noninteractive" },
    ...(state.packageDebug ? { onLine: (line: string) => ctx.log(line) } : {}),
  });
  if (r.code !== 0) {
    const detail = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-5).join("\n");
    throw new Error(`${command} ${args.join(" ")} failed (exit code ${r.code}): ${detail}`);
  }
  return r.stdout;
}

function packageArg(fn: string, args: readonly Value[]): string {
  const name = argNonEmpty(fn, args, 0, "package name").trim();
  if (!PACKAGE_NAME.test(name))
    throw new Error(`not a valid package name: ${JSON.stringify(name)}`);
  return name;
}

/** What apt-cache or brew may be asked to search for: a package-name fragment, no options. */
const SEARCH_TERM = /^[A-Za-z0-9][A-Za-z0-9+._-]*$/;

/** dpkg lists removed-but-configured packages too: only status "ii" means installed. */
function dpkgInstalled(line: string): string | undefined {
  const m = /^(\S+)\s+(\S+)$/.exec(line.trim());
  return m && m[1] === "ii" ? m[2] : undefined;
}

async function installedPackages(ctx: MainSideContext): Promise<string[]> {
  const apt = (await manager(ctx)) === "apt";
  const out = apt
    ? // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
      await exec(ctx, "dpkg-query", ["-W", "-f=${db:Status-Abbrev} ${Package}\\n"])
    : await exec(ctx, "brew", ["list", "--formula", "-1"]);
  const names = out
    .split("\n")
    .map((line) => (apt ? dpkgInstalled(line) : line.trim() || undefined))
    .filter((name): name is string => name !== undefined);
  return [...new Set(names)].sort();
}

export const packageFunctions: HostFunction[] = [
  mainFn({
    name: "package_install",
    params: ["string"],
    returns: "string",
    doc: "Installs a system package (apt-get install -y, or brew install); needs the rights to do so.",
    example: 'package_install("jq");',
    run: (ctx, args) =>
      guard("package_install", async () => {
        const name = packageArg("package_install", args);
        if ((await manager(ctx)) === "apt")
          await exec(ctx, "apt-get", ["install", "-y", "-q", name]);
        else await exec(ctx, "brew", ["install", name]);
        return name;
      }),
  }),
  mainFn({
    name: "package_remove",
    params: ["string"],
    returns: "string",
    doc: "Removes a system package (apt-get remove -y, or brew uninstall).",
    example: 'package_remove("jq");',
    run: (ctx, args) =>
      guard("package_remove", async () => {
        const name = packageArg("package_remove", args);
        if ((await manager(ctx)) === "apt")
          await exec(ctx, "apt-get", ["remove", "-y", "-q", name]);
        else await exec(ctx, "brew", ["uninstall", name]);
        return name;
      }),
  }),
  mainFn({
    name: "package_update",
    params: [],
    returns: "string",
    doc: "Refreshes the package lists (apt-get update, or brew update).",
    example: "package_update();",
    run: (ctx) =>
      guard("package_update", async () => {
        if ((await manager(ctx)) === "apt") return exec(ctx, "apt-get", ["update", "-q"]);
        return exec(ctx, "brew", ["update"]);
      }),
  }),
  mainFn({
    name: "package_list",
    params: [],
    returns: "array",
    doc: "Names of the installed packages, sorted.",
    example: "let pkgs = package_list(); print(pkgs.len());",
    run: (ctx) => guard("package_list", () => installedPackages(ctx)),
  }),
  mainFn({
    name: "package_search",
    params: ["string"],
    returns: "array",
    doc: "Names of the packages whose name contains the text (apt-cache search --names-only, or brew search), sorted.",
    example: 'for name in package_search("ripgrep") { print(name); }',
    run: (ctx, args) =>
      guard("package_search", async () => {
        const term = argNonEmpty("package_search", args, 0, "search text").trim();
        if (!SEARCH_TERM.test(term))
          throw new Error(
            `not a valid search text (letters, digits, + . _ -): ${JSON.stringify(term)}`,
          );
        const apt = (await manager(ctx)) === "apt";
        const out = apt
          ? await exec(ctx, "apt-cache", ["search", "--names-only", "--", term])
          : await exec(ctx, "brew", ["search", "--formula", term]);
        // apt-cache prints "name - summary"; brew one name per line (and headers).
        const names = out
          .split("\n")
          .map((line) => (apt ? line.split(" - ")[0] : line).trim())
          .filter((name) => PACKAGE_NAME.test(name) && name.includes(term));
        return [...new Set(names)].sort();
      }),
  }),
  mainFn({
    name: "package_upgrade",
    params: [],
    returns: "string",
    doc: "Upgrades every installed package (apt-get upgrade -y, or brew upgrade); returns the manager's output.",
    example: "package_update(); package_upgrade();",
    run: (ctx) =>
      guard("package_upgrade", async () => {
        if ((await manager(ctx)) === "apt") return exec(ctx, "apt-get", ["upgrade", "-y", "-q"]);
        return exec(ctx, "brew", ["upgrade"]);
      }),
  }),
  mainFn({
    name: "package_platform",
    params: [],
    returns: "string",
    doc: 'The package platform, in upstream\'s words: "Ubuntu" for any apt-based system (Debian included), "MacOS" with Homebrew, else "Unknown".',
    example: 'if package_platform() == "Ubuntu" { package_install("jq"); }',
    run: (ctx) =>
      guard("package_platform", async () => {
        try {
          return (await manager(ctx)) === "apt" ? "Ubuntu" : "MacOS";
        } catch {
          return "Unknown";
        }
      }),
  }),
  mainFn({
    name: "package_set_debug",
    params: ["bool"],
    returns: "bool",
    doc: "For the rest of the job, package functions log each command they run and its output (true), or stay quiet (false, the default); returns the setting.",
    example: "package_set_debug(true);",
    run: (ctx, args) => {
      const on = args[0];
      if (typeof on !== "boolean")
        throw hostError("package_set_debug", `expects a bool, got ${typeName(on)}`);
      jobState(ctx).packageDebug = on;
      return on;
    },
  }),
  mainFn({
    name: "package_is_installed",
    params: ["string"],
    returns: "bool",
    doc: "Whether a package is installed.",
    example: 'if !package_is_installed("curl") { package_install("curl"); }',
    run: (ctx, args) =>
      guard("package_is_installed", async () => {
        const name = packageArg("package_is_installed", args);
        return (await installedPackages(ctx)).includes(name);
      }),
  }),
];

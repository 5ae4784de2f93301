// Upstream SAL functions (the published sal-* crates' Rhai names) that runner_sal does not
// provide, each with the reason; docs/sal.md lists them, and a test checks that every name
// of the upstream lists is either declared or here.

export interface NotProvided {
  /** Upstream's Rhai names (or, for a whole crate, a short description). */
  readonly names: readonly string[];
  readonly crate: string;
  readonly reason: string;
}

const NEEDS_CONTAINERS =
  "drives a container runtime (nerdctl or buildah); containers cannot run on the machines this project is built and tested on (podman 4.3 / crun: `setrlimit RLIMIT_NOFILE: Operation not permitted`, then `cgroups in hybrid mode not supported`), so nothing here could be tested";

export const NOT_PROVIDED: readonly NotProvided[] = [
  {
    names: ["pg_install", "pg_create_database", "pg_execute_sql", "pg_is_running"],
    crate: "sal-postgresclient",
    reason: `upstream's PostgreSQL installer: each ${NEEDS_CONTAINERS}. Create databases and run scripts over the job's connection with pg_execute instead`,
  },
  {
    names: ["buildah builder", "nerdctl containers", "rfs"],
    crate: "sal-virt",
    reason: `the container builder and container API: ${NEEDS_CONTAINERS}`,
  },
  {
    names: ["new_screen", "kill_screen"],
    crate: "sal-process",
    reason:
      "not registered for Rhai upstream either (Rust API only); a job's commands already run in their own process group, killed when the job ends",
  },
  {
    names: ["vault, zinit, mycelium, git and other crates"],
    crate: "sal-vault, sal-zinit-client, ...",
    reason:
      "outside runner_sal's scope (os, process, net, redis, postgres, text, and part 2's k8s, vm, hetzner); their functions are not checked one by one",
  },
];

/** The upstream Rhai names of the five crates compared one by one (from their published docs). */
export const UPSTREAM_NAMES: Readonly<Record<string, readonly string[]>> = {
  "sal-os": [
    ...["chdir", "chmod_exec", "cmd_ensure_exists", "copy", "copy_bin", "delete", "download"],
    ...["download_file", "download_install", "exist", "file_read", "file_size", "file_write"],
    ...["file_write_append", "find_dir", "find_dirs", "find_file", "find_files", "mkdir", "mv"],
    ...["package_install", "package_is_installed", "package_list", "package_platform"],
    ...["package_remove", "package_search", "package_set_debug", "package_update"],
    ...["package_upgrade", "platform_check_linux_x86", "platform_check_macos_arm"],
    ...["platform_is_arm", "platform_is_linux", "platform_is_osx", "platform_is_x86", "rsync"],
    "which",
  ],
  "sal-process": [
    ...["kill", "process_get", "process_list", "run", "run_command", "run_silent"],
    ...["run_with_options", "which", "new_screen", "kill_screen"],
  ],
  "sal-net": [
    ...["tcp_check", "tcp_ping", "http_check", "http_status", "ssh_execute"],
    ...["ssh_execute_output", "ssh_ping"],
  ],
  "sal-redisclient": [
    ...["redis_del", "redis_get", "redis_hdel", "redis_hget", "redis_hgetall", "redis_hset"],
    ...["redis_llen", "redis_lpush", "redis_lrange", "redis_ping", "redis_reset", "redis_rpush"],
    "redis_set",
  ],
  "sal-postgresclient": [
    ...["pg_connect", "pg_create_database", "pg_execute", "pg_execute_sql", "pg_install"],
    ...["pg_is_running", "pg_ping", "pg_query", "pg_query_one", "pg_reset"],
  ],
};

// The structure of src/, checked by `npm run lint` (dependency-cruiser). README.md's "How it
// is built" says the same in words; change both together.
//
// Layers, bottom up. A folder imports only folders of layers below its own: never one above,
// and never a sibling in its own layer. The order is the import graph as it is, not a wish:
// each folder sits in the lowest layer above everything it imports. A new folder of src/ gets
// a place here (a folder that has none fails the check).
const LAYERS = [
  // Import nothing from the project. util: helpers every layer may use; tracing:
  // OpenTelemetry, off unless configured; rhai: the Rhai engine.
  ["util", "tracing", "rhai"],
  // job: the job, its validation and signatures. host: the host kit (what a host package is).
  ["job", "host"],
  // protocol: Redis keys and operations on jobs. sandbox: scripts in worker threads.
  // heroscript: the heroscript language.
  ["protocol", "sandbox", "heroscript"],
  // runtime: the runner loop (over protocol). sal, osiris: host packages for scripts.
  ["runtime", "sal", "osiris"],
  // Each runner's executor, and the two sides that talk to runners through Redis.
  ["runners/hero", "runners/rhai", "client", "supervisor"],
  // The commands.
  ["cli"],
];

const FOLDERS = LAYERS.flat();
const anyOf = (folders) => `^src/(${folders.join("|")})/`;

/**
 * Modules another folder may import without going through its index.ts, for start-up time:
 * the folder's index would load it all.
 */
const LOADED_ALONE = [
  // Light: no zod, no curve code, for the sandbox's worker threads (each pays for what it
  // loads) and for `horus --help`.
  "^src/job/(types|failure|create)\\.ts$",
  // Light: Redis URLs without the Redis client, for the options on `horus --help`'s path.
  "^src/protocol/urls\\.ts$",
  // On demand: only the `rhai` command loads it, and only for `rhai conformance`.
  "^src/rhai/conformance\\.ts$",
  // On demand: prom-client and the probe server, only for a runner given --metrics-port;
  // the process metrics for the supervisor's /metrics too.
  "^src/runtime/(metrics|probe-server|process-metrics)\\.ts$",
];

/** One rule per folder: what its layer may not import. */
const layerRules = LAYERS.flatMap((layer, i) =>
  layer.map((folder) => {
    const notBelow = [...LAYERS.slice(i).flat()].filter((f) => f !== folder);
    return {
      name: `layer-${folder.replace("/", "-")}`,
      comment: `src/${folder} is in layer ${i + 1}: it imports only folders of lower layers (see LAYERS)`,
      severity: "error",
      from: { path: `^src/${folder}/` },
      to: { path: anyOf(notBelow) },
    };
  }),
);

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "a cycle of imports in src/: the modules in it cannot be understood one at a time",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: "folder-without-layer",
      comment: "every folder of src/ has a place in LAYERS",
      severity: "error",
      from: { path: "^src/", pathNot: anyOf(FOLDERS) },
      to: {},
    },
    {
      name: "import-of-folder-without-layer",
      comment: "every folder of src/ has a place in LAYERS",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^src/", pathNot: anyOf(FOLDERS) },
    },
    {
      name: "through-index",
      comment:
        "another folder is imported through its index.ts, its public surface (or one of LOADED_ALONE)",
      severity: "error",
      // $1: the importing module's folder (src/runners holds two, each with its own index).
      from: { path: "^src/(runners/[^/]+|[^/]+)/" },
      to: {
        path: "^src/",
        pathNot: ["^src/$1/", "^src/(runners/[^/]+|[^/]+)/index\\.ts$", ...LOADED_ALONE],
      },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript API for dependency-cruiser to parse with; swc parses
    // the TypeScript, type-only imports included (they count: a type is a dependency too).
    parser: "swc",
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|dist-check)/" },
  },
};

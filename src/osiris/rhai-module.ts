// The Osiris host module: what Rhai scripts of `runner_osiris` call. The worker half
// (builders and the context handle, worker-side.ts) turns what a script builds into maps
// and calls the main half (main-side.ts), which checks rights and talks to Redis. Scripts
// may also call the main-side `osiris_*` functions directly; the context methods are the
// documented way.

import type { HostModule } from "../host/index.js";
import { closeDataConnection, MAIN_FUNCTIONS } from "./main-side.js";
import { MODULE, WORKER_FUNCTIONS } from "./worker-side.js";

const osiris: HostModule = {
  name: MODULE,
  description:
    "Osiris: an object store in the job's context. Build notes, events or generic objects, save them with `get_context().save(obj)`, read them back by id, index lookup or keyword search. Access is decided by the job's signatories.",
  functions: [...WORKER_FUNCTIONS, ...MAIN_FUNCTIONS],
  close: closeDataConnection,
};

export default osiris;

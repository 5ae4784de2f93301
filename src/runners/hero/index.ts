// The hero runner's wiring: the executor `herorunner` runs jobs with, and the heroscript
// actions that reach the SAL (also used by the `hero` command).
export {
  createHeroExecutor,
  type HeroExecutorOptions,
  playRegistry,
} from "./executor.js";
export { salActionCatalog } from "./sal-actions.js";
export { SalHost } from "./sal-host.js";

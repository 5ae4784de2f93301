// The hero runner's wiring: the executor `herorunner` runs jobs with.
export { createHeroExecutor, type HeroExecutorOptions, jobEnvironment } from "./executor.js";

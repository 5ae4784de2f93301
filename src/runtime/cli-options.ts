// Options several commands share, defined once so their names, variables and defaults agree.
import { Option } from "commander";
import { DEFAULT_REDIS_URL } from "../protocol/index.js";

/** `--redis-url URL` (or HORUS_REDIS_URL), default redis://localhost:6379. */
export function redisUrlOption(description = "Redis the runners read"): Option {
  return new Option("--redis-url <url>", description)
    .env("HORUS_REDIS_URL")
    .default(DEFAULT_REDIS_URL);
}

/** `--namespace NS` (or HORUS_NAMESPACE): the prefix of every Redis key. */
export function namespaceOption(): Option {
  return new Option("--namespace <ns>", "prefix of every Redis key")
    .env("HORUS_NAMESPACE")
    .default("");
}

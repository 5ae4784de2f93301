// What both sides of the k8s module check and assume: Kubernetes names (the worker's
// `k8s(namespace)` and the main thread's operations) and the default request timeout.

import { argNonEmpty, hostError } from "../../host/index.js";
import type { Value } from "../../rhai/index.js";

/** Seconds a call may take when the manager sets no `.timeout(s)`. */
export const DEFAULT_TIMEOUT = 30;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Argument `i` as a Kubernetes object name (DNS subdomain), or an error naming `fn`. */
export function k8sName(fn: string, args: readonly Value[], i: number, what: string): string {
  const name = argNonEmpty(fn, args, i, what);
  if (name.length > 253 || !NAME.test(name))
    throw hostError(
      fn,
      `${what} is not a Kubernetes name (lowercase letters, digits, "-", "."): ${JSON.stringify(name)}`,
    );
  return name;
}

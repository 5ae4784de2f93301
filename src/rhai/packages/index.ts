// The standard packages, composed as the reference composes them: CorePackage is
// LanguageCore + Arithmetic + BasicString + BasicIterator + BasicFn; StandardPackage adds
// bit fields, logic, math, arrays, blobs, maps, more string functions and time.
import type { Package } from "../native.js";
import { arithmeticPackage, logicPackage } from "./arithmetic.js";
import { arrayPackage } from "./array.js";
import { bitFieldPackage } from "./bit-field.js";
import { blobPackage } from "./blob.js";
import { basicFnPackage } from "./fn.js";
import { iteratorPackage } from "./iter.js";
import { languageCorePackage } from "./lang-core.js";
import { mapPackage } from "./map.js";
import { mathPackage } from "./math.js";
import { basicStringPackage } from "./string-basic.js";
import { moreStringPackage } from "./string-more.js";
import { timePackage } from "./time.js";

export { RhaiIterator } from "./iter.js";
export { parseJson, toJson } from "./map.js";
export {
  arithmeticPackage,
  arrayPackage,
  basicFnPackage,
  basicStringPackage,
  bitFieldPackage,
  blobPackage,
  iteratorPackage,
  languageCorePackage,
  logicPackage,
  mapPackage,
  mathPackage,
  moreStringPackage,
  timePackage,
};

/** LanguageCore + arithmetic + basic string + basic iterators + basic fn. */
export const corePackages: readonly Package[] = [
  languageCorePackage,
  arithmeticPackage,
  basicStringPackage,
  iteratorPackage,
  basicFnPackage,
];

/** Core plus bit fields, logic, math, arrays, blobs, maps, more strings, time. */
export const standardPackages: readonly Package[] = [
  ...corePackages,
  bitFieldPackage,
  logicPackage,
  mathPackage,
  arrayPackage,
  blobPackage,
  mapPackage,
  moreStringPackage,
  timePackage,
];

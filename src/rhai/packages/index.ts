// The standard packages, composed as the reference composes them: CorePackage is
// LanguageCore + Arithmetic + BasicString + BasicIterator + BasicFn; StandardPackage adds
// bit fields, logic, math, arrays, blobs, maps, more string functions and time.
import type { FunctionLibrary, NativeFunction, Package, ParamType } from "../native.js";
import type { Value } from "../value.js";
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

/**
 * A package that builds its function records once and hands the same (immutable, stateless)
 * records to every later library: creating an engine then costs a few hundred `add` calls
 * instead of rebuilding every closure.
 */
export function recorded(pkg: Package): Package {
  let functions: NativeFunction[] | undefined;
  let iterators: [ParamType, (value: Value) => Iterable<Value>][] = [];
  return (lib) => {
    if (functions === undefined) {
      const fns: NativeFunction[] = [];
      const its: [ParamType, (value: Value) => Iterable<Value>][] = [];
      const recorder: FunctionLibrary = {
        add: (fn) => fns.push(fn),
        fn: (name, params, fn, options) => fns.push({ ...options, name, params, fn }),
        iterator: (type, iterate) => its.push([type, iterate]),
      };
      pkg(recorder);
      functions = fns;
      iterators = its;
    }
    for (const fn of functions) lib.add(fn);
    for (const [type, iterate] of iterators) lib.iterator(type, iterate);
  };
}

/** LanguageCore + arithmetic + basic string + basic iterators + basic fn. */
export const corePackages: readonly Package[] = [
  languageCorePackage,
  arithmeticPackage,
  basicStringPackage,
  iteratorPackage,
  basicFnPackage,
].map(recorded);

/** Core plus bit fields, logic, math, arrays, blobs, maps, more strings, time. */
export const standardPackages: readonly Package[] = [
  ...corePackages,
  ...[
    bitFieldPackage,
    logicPackage,
    mathPackage,
    arrayPackage,
    blobPackage,
    mapPackage,
    moreStringPackage,
    timePackage,
  ].map(recorded),
];

// Module resolution hooks that refuse npm packages: by default every one (only relative and
// absolute files, file: and data: URLs and Node's built-in modules resolve), or, when
// registered with `data: { packages: [...] }`, just those. A refused import throws an error
// naming the package, so whatever imported it fails visibly.
import { isBuiltin } from "node:module";

const LOCAL = /^(\.{1,2}\/|\/|file:|data:|node:)/;
let only;

export async function initialize(data) {
  only = data?.packages;
}

function refused(specifier) {
  if (LOCAL.test(specifier) || isBuiltin(specifier)) return false;
  if (only === undefined) return true;
  return only.some((p) => specifier === p || specifier.startsWith(`${p}/`));
}

export async function resolve(specifier, context, nextResolve) {
  if (refused(specifier)) throw new Error(`refused npm package: ${specifier}`);
  return nextResolve(specifier, context);
}

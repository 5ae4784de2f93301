// Where the Osiris host module file is, for `createSandbox({ modules: [{ url, options }] })`.
// The sandbox's workers import it by URL and cannot import TypeScript, so when this code
// runs from its sources (under vitest) the URL points at the build in dist/ instead.

/** The host module's URL; give it `{ dataUrl, namespace }` as options. */
export function osirisModuleUrl(): URL {
  const here = import.meta.url;
  return here.endsWith(".ts")
    ? new URL("../../dist/osiris/rhai-module.js", here)
    : new URL("./rhai-module.js", here);
}

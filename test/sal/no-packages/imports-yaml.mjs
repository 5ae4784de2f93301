// A host module that imports an npm package where its worker side would load it: the
// control showing that ./worker.mjs does refuse packages.
import "yaml";

export default { name: "imports_yaml", description: "", functions: [] };

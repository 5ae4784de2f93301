// Public surface of Osiris: the store, its access control, the models and the host module.
export { AccessControl } from "./access.js";
export { fromJson, toJson } from "./json.js";
export { ContextKeys } from "./keys.js";
export * from "./models.js";
export { osirisModuleUrl } from "./module-url.js";
export { osirisReference } from "./reference.js";
export { default as osirisModule } from "./rhai-module.js";
export { ContextStore } from "./store.js";

// Heroscript: parser, writer, playbook engine and built-in actions.
export { builtinActions } from "./actions/index.js";
export {
  PlayAbortedError,
  PlaybookEngine,
  type PlayOptions,
} from "./engine.js";
export { HeroscriptSyntaxError, ParamError } from "./errors.js";
export {
  matchHashmap,
  type Param,
  Params,
} from "./params.js";
export { parseParams } from "./params-reader.js";
export {
  type Action,
  actionName,
  parseHeroscript,
} from "./parser.js";
export {
  MAX_EXPANDED_CHARS,
  replaceAtParse,
  replacePlaceholders,
  scopedLookup,
} from "./placeholders.js";
export {
  actionHashkey,
  filterMatch,
  MAX_PRIORITY,
  Playbook,
} from "./playbook.js";
export {
  type ActionDefinition,
  ActionRegistry,
  type PlayContext,
} from "./registry.js";
export { nameFix } from "./text.js";
export { writeAction, writeHeroscript } from "./writer.js";

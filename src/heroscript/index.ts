// Heroscript: parser, writer, playbook engine and built-in actions.
export { builtinActions } from "./actions/index.js";
export {
  PlayAbortedError,
  PlaybookEngine,
  type PlayOptions,
  type PlayResult,
} from "./engine.js";
export { ActionError, HeroscriptSyntaxError, ParamError, type SourcePosition } from "./errors.js";
export {
  type Arg,
  type CurrencyAmount,
  matchHashmap,
  type Param,
  Params,
  parseDuration,
  parseSize,
  parseTime,
  parseTimeOfDay,
  splitList,
} from "./params.js";
export { ParamsReader, parseParams } from "./params-reader.js";
export {
  ACTION_KINDS,
  type Action,
  actionName,
  type Bangs,
  type Heroscript,
  type ParseOptions,
  parseHeroscript,
} from "./parser.js";
export {
  type Lookup,
  MAX_EXPANDED_CHARS,
  replaceAtParse,
  replaceMap,
  replacePlaceholders,
  scopedLookup,
} from "./placeholders.js";
export {
  actionHashkey,
  type FindOptions,
  filterMatch,
  MAX_PRIORITY,
  Playbook,
  type PlaybookAction,
} from "./playbook.js";
export {
  type ActionDefinition,
  type ActionHandler,
  ActionRegistry,
  type PlayContext,
} from "./registry.js";
export { nameFix } from "./text.js";
export { writeAction, writeHeroscript } from "./writer.js";

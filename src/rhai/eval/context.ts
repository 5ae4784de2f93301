// The evaluation context: everything the slow paths of running code need from the engine
// that runs it, as one explicit object. The compiled closures capture it once and pass it
// to the free functions of this folder (calls, operators, indexing, properties, data
// sizes, modules), so neither the compiler nor these functions know the `Engine` class,
// and the engine keeps only its public API.

import type { Position } from "../errors.js";
import type { Library } from "../library.js";
import type { EngineLimits } from "../native.js";
import {
  type Module,
  type ModuleResolver,
  NO_THIS,
  type Program,
  RunState,
} from "../runtime/index.js";

/** A string's UTF-8 size as utf8Length counts it, and whether its last unit was a lead. */
export interface StringSize {
  s: string;
  bytes: number;
  /** Its last unit was a high surrogate counted as a pair, owed the next unit (see utf8Length). */
  dangling: boolean;
}

export interface EvalContext {
  /** The function library natives are resolved in. */
  readonly lib: Library;
  readonly limits: EngineLimits;
  readonly options: { readonly failOnInvalidMapProperty: boolean };
  /** Operation count, call depth, pending jump, imports. */
  readonly rt: RunState;
  /** The program whose run is under way: names and function pointers resolve in it. */
  program: Program | undefined;
  /** `this` as the last called script function left it (NO_THIS when none did). */
  lastThis: unknown;
  /** The string checkStringSize counted last, and its size (see there). */
  lastStringSize: StringSize | undefined;
  print(text: string): void;
  debug(text: string, pos: Position): void;
  /** Modules reachable as `name::member` without an import. */
  readonly staticModules: ReadonlyMap<string, Module>;
  /** Where `import "path"` finds modules (none: imports fail). */
  readonly moduleResolver: ModuleResolver | undefined;
  /** Runs a module's source and makes a module of it. */
  loadModule(source: string, id: string): Module;
  /**
   * Parses and compiles `eval` text as a child of `parent` (its functions visible). Throws
   * RhaiParseError when the text does not parse. A callback: compiling is the engine's
   * business, and the compiler depends on this folder, not the other way round.
   */
  compileEval(src: string, parent: Program): Program;
}

/** The context an `Engine` runs its scripts in; the engine sets the hooks. */
export class EngineContext implements EvalContext {
  readonly rt = new RunState();
  program: Program | undefined = undefined;
  lastThis: unknown = NO_THIS;
  lastStringSize: StringSize | undefined = undefined;
  printHook: (text: string) => void = (t) => console.log(t);
  debugHook: (text: string, pos: Position) => void = (t) => console.log(t);
  moduleResolver: ModuleResolver | undefined = undefined;
  readonly staticModules = new Map<string, Module>();

  constructor(
    readonly lib: Library,
    readonly limits: EngineLimits,
    readonly options: { readonly failOnInvalidMapProperty: boolean },
    readonly loadModule: (source: string, id: string) => Module,
    readonly compileEval: (src: string, parent: Program) => Program,
  ) {}

  print(text: string): void {
    this.printHook(text);
  }

  debug(text: string, pos: Position): void {
    this.debugHook(text, pos);
  }
}

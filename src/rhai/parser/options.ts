// The options and limits that shape what the parser accepts (the engine fills them in
// from its own).

/** Options and limits that shape what the parser accepts. */
export interface ParseOptions {
  maxExprDepth: number;
  maxFunctionExprDepth: number;
  maxStringSize: number;
  maxArraySize: number;
  maxMapSize: number;
  maxFunctions: number;
  allowIfExpression: boolean;
  allowSwitchExpression: boolean;
  allowStatementExpression: boolean;
  allowAnonymousFn: boolean;
  allowLooping: boolean;
  allowLoopExpressions: boolean;
  allowShadowing: boolean;
  strictVariables: boolean;
  disabledSymbols: ReadonlySet<string>;
  /** Names a host scope defines (strict-variables mode accepts them). */
  knownVariables?: ReadonlySet<string>;
}

export const DEFAULT_PARSE_OPTIONS: ParseOptions = {
  maxExprDepth: 64,
  maxFunctionExprDepth: 32,
  maxStringSize: 0,
  maxArraySize: 0,
  maxMapSize: 0,
  maxFunctions: 0,
  allowIfExpression: true,
  allowSwitchExpression: true,
  allowStatementExpression: true,
  allowAnonymousFn: true,
  allowLooping: true,
  allowLoopExpressions: true,
  allowShadowing: true,
  strictVariables: false,
  disabledSymbols: new Set(),
};

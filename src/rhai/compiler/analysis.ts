// Questions about the tree the compiler asks before it compiles a node: whether it has
// effects, is made of literals, is a place, may jump out of a loop, calls `eval`.

import type { Node, NodeOf } from "../ast.js";

/** Whether evaluating a node has no effect but its value: variables, literals, blocks of them. */
export function isPure(n: Node): boolean {
  switch (n.type) {
    case "Const":
    case "Var":
      return true;
    case "Array":
      return n.items.every(isPure);
    case "MapLit":
      return n.entries.every(([, v]) => isPure(v));
    case "Block":
      return n.body.every(isPure);
    case "If":
      return isPure(n.cond) && isPure(n.then) && (n.else === undefined || isPure(n.else));
    default:
      return false;
  }
}

/**
 * Whether an `if` has nothing in either branch (`{}`, or an `else if` of the same kind whose
 * condition has no effects), which the reference's optimiser reduces to its condition.
 */
export function isHollowIf(n: NodeOf<"If">): boolean {
  if (n.then.type !== "Block" || n.then.body.length > 0) return false;
  const other = n.else;
  if (other === undefined) return true;
  if (other.type === "Block") return other.body.length === 0;
  return other.type === "If" && isPure(other.cond) && isHollowIf(other);
}

/** Whether a node is made of literals only (what the reference's optimiser folds). */
export function isConstant(n: Node): boolean {
  switch (n.type) {
    case "Const":
      return true;
    case "Unary":
      return isConstant(n.arg);
    case "Binary":
      // `in` is a call of `contains`, which the optimiser does not run.
      return n.op !== "in" && n.op !== "!in" && isConstant(n.left) && isConstant(n.right);
    case "And":
    case "Or":
    case "Coalesce":
      return isConstant(n.left) && isConstant(n.right);
    case "Array":
      return n.items.every(isConstant);
    case "MapLit":
      return n.entries.every(([, v]) => isConstant(v));
    case "Index":
      return isConstant(n.target) && isConstant(n.index);
    case "Prop":
      return n.target.type === "MapLit" && isConstant(n.target);
    case "Interp":
      return n.parts.every(isConstant);
    case "Block":
      return n.body.every(isConstant);
    case "If":
      return (
        isConstant(n.cond) && isConstant(n.then) && (n.else === undefined || isConstant(n.else))
      );
    default:
      return false;
  }
}

export function isRefNode(n: Node): boolean {
  return (
    n.type === "Var" ||
    n.type === "Index" ||
    n.type === "Prop" ||
    n.type === "This" ||
    n.type === "GlobalVar"
  );
}

/** Whether `break`/`continue` for this loop can occur in `n` (not inside nested loops or functions). */
export function hasLoopJump(n: Node | undefined): boolean {
  if (n === undefined) return false;
  switch (n.type) {
    case "Break":
    case "Continue":
      return true;
    case "While":
    case "Do":
    case "For":
      return n.type === "For"
        ? hasLoopJump(n.iterable)
        : n.type === "While"
          ? hasLoopJump(n.cond)
          : hasLoopJump(n.cond);
    case "Closure":
      return false;
    default:
      return childNodes(n).some(hasLoopJump);
  }
}

function childNodes(n: Node): Node[] {
  switch (n.type) {
    case "Interp":
      return [...n.parts];
    case "Array":
      return [...n.items];
    case "MapLit":
      return n.entries.map((e) => e[1]);
    case "Unary":
      return [n.arg];
    case "Binary":
    case "And":
    case "Or":
    case "Coalesce":
      return [n.left, n.right];
    case "Index":
      return [n.target, n.index];
    case "Prop":
      return [n.target];
    case "Call":
      return [...n.args];
    case "Method":
      return [n.target, ...n.args];
    case "Block":
      return [...n.body];
    case "If":
      return n.else ? [n.cond, n.then, n.else] : [n.cond, n.then];
    case "Switch": {
      const out: Node[] = [n.subject];
      for (const list of n.table.values())
        for (const c of list) out.push(...(c.condition ? [c.condition, c.body] : [c.body]));
      for (const r of n.ranges)
        out.push(...(r.case.condition ? [r.case.condition, r.case.body] : [r.case.body]));
      if (n.default) out.push(n.default);
      return out;
    }
    case "While":
      return n.cond ? [n.cond, n.body] : [n.body];
    case "Do":
      return [n.body, n.cond];
    case "For":
      return [n.iterable, n.body];
    case "Break":
    case "Return":
    case "Throw":
      return n.value ? [n.value] : [];
    case "Try":
      return [n.body, n.catchBody];
    case "Let":
      return n.value ? [n.value] : [];
    case "Assign":
      return [n.target, n.value];
    case "Import":
      return [n.path];
    default:
      return [];
  }
}

/** Whether `eval` is called in this code (not counting nested closures). */
export function callsEval(n: Node): boolean {
  if (n.type === "Call" && n.name === "eval") return true;
  if (n.type === "Closure") return false;
  return childNodes(n).some(callsEval);
}

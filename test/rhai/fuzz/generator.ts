// A grammar-based generator of random Rhai programs for differential testing against the
// reference engine. Programs are built from typed productions (an `int` expression, a
// `string` expression...) so most of them run to the end and exercise values rather than
// stopping at the first type error; a small share deliberately mixes types, indexes out of
// range or throws, so error paths are compared too.
//
// Every loop is bounded by a counter, and functions call only functions defined before them,
// so a generated program always ends (the reference has no operation limit by default).
// `continue` is never put inside `do ... while`: the reference loops forever there.

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same program. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
}

type Ty = "int" | "float" | "bool" | "string" | "char" | "array" | "map" | "blob" | "range" | "fn";
const VALUE_TYPES: readonly Ty[] = [
  "int",
  "float",
  "bool",
  "string",
  "char",
  "array",
  "map",
  "blob",
];

interface Var {
  name: string;
  ty: Ty;
  constant: boolean;
}
interface FnDef {
  name: string;
  params: Ty[];
  ret: Ty;
}

const INT_EDGES = [
  "0",
  "1",
  "-1",
  "2",
  "3",
  "7",
  "10",
  "42",
  "63",
  "64",
  "65",
  "255",
  "256",
  "-128",
  "1000000",
  "4294967296",
  "9007199254740991",
  "9007199254740993",
  "9223372036854775807",
  "(-9223372036854775807 - 1)",
  "-9223372036854775807",
  "0x7f",
  "0b1011",
  "0o17",
  "1_000",
];
const FLOAT_EDGES = [
  "0.0",
  "-0.0",
  "0.5",
  "1.5",
  "-2.25",
  "3.0",
  "0.1",
  "1e10",
  "1e300",
  "1e-300",
  "123456789.125",
  "(0.0 / 0.0)",
  "(1.0 / 0.0)",
  "(-1.0 / 0.0)",
  "1e15",
  "1e16",
  "2.5e-5",
  "9007199254740993.0",
];
const STRINGS = [
  '""',
  '"a"',
  '"hello"',
  '"Hello, World"',
  '"  padded  "',
  '"a,b,,c"',
  '"ümlaut"',
  '"日本語"',
  '"😀x"',
  '"line\\nbreak"',
  '"tab\\there"',
  '"quote\\"d"',
  '"42"',
  '"-17"',
  '"3.25"',
  '"abcabc"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Rhai source, not a JS template
  "`raw ${1 + 1} text`",
];
const CHARS = ["'a'", "'Z'", "'0'", "' '", "'ü'", "'😀'", "'\\n'", "'\\''", "'\"'", "'x'"];

export interface GenOptions {
  /** Top-level statements before the final expression. */
  statements?: number;
}

/** Generates one program from a seed. */
export function generateProgram(seed: number, options: GenOptions = {}): string {
  return new Generator(new Rng(seed)).program(options.statements ?? 3 + (seed % 6));
}

class Generator {
  private vars: Var[] = [];
  private fns: FnDef[] = [];
  private counter = 0;
  private depth = 0;
  private loopDepth = 0;
  /** Inside do-while, where `continue` would loop forever in the reference. */
  private inDoWhile = false;

  constructor(private readonly r: Rng) {}

  program(n: number): string {
    const lines: string[] = [];
    const nf = this.r.chance(0.5) ? this.r.int(3) : 0;
    for (let i = 0; i < nf; i++) lines.push(this.fnDef());
    for (let i = 0; i < n; i++) lines.push(this.stmt());
    const ty = this.r.pick(VALUE_TYPES);
    lines.push(this.r.chance(0.1) ? this.typedOrBroken("any") : this.expr(ty));
    return `${lines.join("\n")}\n`;
  }

  private fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  // ---- statements -------------------------------------------------------------

  private block(n = 1 + this.r.int(3)): string {
    const saved = this.vars.length;
    this.depth++;
    const body: string[] = [];
    for (let i = 0; i < n; i++) body.push(this.stmt());
    this.depth--;
    this.vars.length = saved;
    return `{ ${body.join(" ")} }`;
  }

  private stmt(): string {
    const r = this.r;
    const deep = this.depth >= 3;
    const k = r.int(deep ? 6 : 18);
    switch (k) {
      case 0:
      case 1:
        return this.letStmt();
      case 2:
        return this.assignStmt();
      case 3:
      case 4:
        return `print(${this.printable()});`;
      case 5:
        if (this.loopDepth > 0 && r.chance(0.3))
          return r.chance(0.5) || this.inDoWhile ? "break;" : "continue;";
        return `debug(${this.expr(r.pick(VALUE_TYPES))});`;
      case 6:
      case 7:
        return `if ${this.expr("bool")} ${this.block()}${r.chance(0.5) ? ` else ${this.block()}` : ""}`;
      case 8:
        return this.switchStmt();
      case 9:
        return this.forStmt();
      case 10:
        return this.whileStmt();
      case 11:
        return this.tryStmt();
      case 12:
        return this.methodStmt();
      case 13:
        return this.closureStmt();
      case 14:
        return `print(${this.typedOrBroken("any")});`;
      case 15:
        return this.loopStmt();
      case 16:
        return this.doStmt();
      default:
        return `${this.expr(r.pick(VALUE_TYPES))};`;
    }
  }

  private letStmt(): string {
    const ty = this.r.pick(VALUE_TYPES);
    const constant = this.r.chance(0.15);
    const name = this.fresh(constant ? "K" : "v");
    const e = this.expr(ty);
    this.vars.push({ name, ty, constant });
    return `${constant ? "const" : "let"} ${name} = ${e};`;
  }

  private assignStmt(): string {
    // Mostly variables, now and then a constant (an error the parser must find).
    const v = this.r.chance(0.97) ? this.someMutable() : this.someVar();
    if (v === undefined) return this.letStmt();
    const r = this.r;
    if (v.ty === "int" && r.chance(0.6)) {
      const op = r.pick(["+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "|=", "^=", "**="]);
      return `${v.name} ${op} ${this.small("int")};`;
    }
    if (v.ty === "float" && r.chance(0.5))
      return `${v.name} ${r.pick(["+=", "-=", "*=", "/="])} ${this.expr(r.pick(["int", "float"]))};`;
    if (v.ty === "string" && r.chance(0.5))
      return `${v.name} += ${this.expr(r.pick(["string", "char", "int"]))};`;
    if (v.ty === "array" && r.chance(0.5)) {
      if (r.chance(0.5)) return `${v.name} += ${this.expr("array")};`;
      return `${v.name}[${this.small("int")}] = ${this.expr(r.pick(VALUE_TYPES))};`;
    }
    if (v.ty === "map" && r.chance(0.5)) {
      const key = r.pick(["a", "b", "c", "x"]);
      return r.chance(0.5)
        ? `${v.name}.${key} = ${this.expr(r.pick(VALUE_TYPES))};`
        : `${v.name}["${key}"] = ${this.expr(r.pick(VALUE_TYPES))};`;
    }
    if (v.ty === "blob" && r.chance(0.5))
      return `${v.name}[${this.small("int")}] = ${this.small("int")};`;
    return `${v.name} = ${this.expr(v.ty)};`;
  }

  private methodStmt(): string {
    const v = this.r.chance(0.95) ? this.someMutable() : this.someVar();
    const r = this.r;
    if (v === undefined) return `print(${this.printable()});`;
    switch (v.ty) {
      case "array":
        return r.pick([
          `${v.name}.push(${this.expr(r.pick(VALUE_TYPES))});`,
          `${v.name}.pop();`,
          `${v.name}.shift();`,
          `${v.name}.insert(${this.small("int")}, ${this.small("int")});`,
          `${v.name}.reverse();`,
          `${v.name}.clear();`,
          `${v.name}.truncate(${this.small("int")});`,
          `${v.name}.remove(${this.small("int")});`,
          `${v.name}.sort();`,
          `${v.name}.sort(|a, b| ${this.r.pick(["a - b", "b - a", "0"])});`,
          `${v.name}.retain(|x| type_of(x) == "i64");`,
          `${v.name}.dedup();`,
          `${v.name}.extract(${this.small("int")});`,
          `${v.name}.splice(1, 1, [${this.small("int")}]);`,
          `${v.name}.pad(${this.small("int")}, ${this.small("int")});`,
        ]);
      case "map":
        return r.pick([
          `${v.name}.remove("a");`,
          `${v.name}.mixin(${this.expr("map")});`,
          `${v.name}.clear();`,
          `${v.name} += ${this.expr("map")};`,
          `${v.name}.fill_with(${this.expr("map")});`,
        ]);
      case "string":
        return r.pick([
          `${v.name}.make_upper();`,
          `${v.name}.make_lower();`,
          `${v.name}.trim();`,
          `${v.name}.clear();`,
          `${v.name}.truncate(${this.small("int")});`,
          `${v.name}.pad(${this.small("int")}, ${this.expr("char")});`,
          `${v.name}.replace(${this.expr("string")}, ${this.expr("string")});`,
          `${v.name}.remove(${this.expr("char")});`,
          `${v.name}.crop(${this.small("int")});`,
          `${v.name}.append(${this.expr(r.pick(VALUE_TYPES))});`,
        ]);
      case "blob":
        return r.pick([
          `${v.name}.push(${this.small("int")});`,
          `${v.name}.append(${this.expr("blob")});`,
          `${v.name}.pop();`,
          `${v.name}.reverse();`,
          `${v.name}.truncate(${this.small("int")});`,
        ]);
      case "int":
      case "float":
        return `${v.name} = ${v.name}.${r.pick(["abs()", "to_string().len()", "sign()"])};`;
      default:
        return `${v.name} = ${this.expr(v.ty)};`;
    }
  }

  private switchStmt(): string {
    const r = this.r;
    const cases: string[] = [];
    const n = 1 + r.int(4);
    for (let i = 0; i < n; i++) {
      const pat = r.pick([
        () => this.literalInt(),
        () => `${this.literalInt()} | ${this.literalInt()}`,
        () => `${r.int(5)}..${r.int(10)}`,
        () => `${r.int(5)}..=${r.int(10)}`,
        () => `${this.literalInt()} if ${this.expr("bool")}`,
        () => r.pick(STRINGS.filter((x) => !x.startsWith("`"))),
      ])();
      cases.push(`${pat} => ${r.chance(0.5) ? this.block(1) : `print(${this.printable()})`}`);
    }
    if (r.chance(0.6)) cases.push(`_ => ${this.block(1)}`);
    const subject = r.chance(0.8) ? this.expr("int") : this.expr(r.pick(VALUE_TYPES));
    const sw = `switch ${subject} { ${cases.join(", ")} }`;
    if (r.chance(0.3)) {
      const name = this.fresh("v");
      this.vars.push({ name, ty: "int", constant: false });
      return `let ${name} = ${sw}; print(type_of(${name}));`;
    }
    return sw;
  }

  private loopBody(): string {
    this.loopDepth++;
    const b = this.block();
    this.loopDepth--;
    return b;
  }

  private forStmt(): string {
    const r = this.r;
    const x = this.fresh("x");
    const iter = r.pick([
      () => `${r.int(4) - 1}..${r.int(6)}`,
      () => `${r.int(3)}..=${r.int(5)}`,
      () => `range(0, ${r.int(12)}, ${1 + r.int(4)})`,
      () => `range(${r.int(12)}, 0, -${1 + r.int(4)})`,
      () => this.expr("array"),
      () => this.expr("string"),
      () => `${this.expr("string")}.chars()`,
      () => this.expr("blob"),
      () => `${this.expr("map")}.keys()`,
      () => `${this.expr("int")}.bits(0, 4)`,
      () => this.typedOrBroken("any"),
    ])();
    const saved = this.vars.length;
    const withIndex = r.chance(0.3);
    const i = withIndex ? this.fresh("i") : "";
    this.vars.push({ name: x, ty: "int", constant: false });
    if (withIndex) this.vars.push({ name: i, ty: "int", constant: false });
    // The element's type is unknown here (int for ranges, anything for arrays): the body
    // treats it as an int, so some bodies fail on the type, as scripts do.
    const body = this.loopBody();
    this.vars.length = saved;
    return `for ${withIndex ? `(${x}, ${i})` : x} in ${iter} ${body}`;
  }

  private whileStmt(): string {
    const c = this.fresh("n");
    const limit = 1 + this.r.int(5);
    const cond = this.r.chance(0.3) ? ` && ${this.expr("bool")}` : "";
    const body = this.loopBody();
    return `let ${c} = 0; while ${c} < ${limit}${cond} { ${c} += 1; ${body} }`;
  }

  private loopStmt(): string {
    const c = this.fresh("n");
    const body = this.loopBody();
    return `let ${c} = 0; loop { ${c} += 1; if ${c} > ${1 + this.r.int(4)} { break; } ${body} }`;
  }

  private doStmt(): string {
    const c = this.fresh("n");
    const saved = this.inDoWhile;
    this.inDoWhile = true;
    const body = this.loopBody();
    this.inDoWhile = saved;
    const until = this.r.chance(0.5);
    return `let ${c} = 0; do { ${c} += 1; ${body} } ${until ? `until ${c} >= ` : `while ${c} < `}${1 + this.r.int(4)};`;
  }

  private tryStmt(): string {
    const r = this.r;
    const e = this.fresh("e");
    const body = r.pick([
      () => `throw ${this.expr(r.pick(VALUE_TYPES))};`,
      () => `let t = ${this.typedOrBroken("any")}; print(t);`,
      () => `print(${this.small("int")} / ${r.pick(["0", "1", "-1"])});`,
      () => `print(${this.expr("array")}[${this.small("int")}]);`,
      () => this.block(),
      () => `print(${this.expr("string")}.parse_int());`,
      () => "print(undefined_var);",
      () => "print(no_such_fn(1));",
      () => `print(${this.expr("map")}.nope.x);`,
    ])();
    const saved = this.vars.length;
    const catchBody = r.pick([
      () => `print(${e});`,
      () => `print(type_of(${e}));`,
      () =>
        `if type_of(${e}) == "map" { print(${e}.message); print(${e}.error); print(${e}.keys()); } else { print(${e}); }`,
      () => `debug(${e});`,
      () => 'print("caught");',
    ])();
    this.vars.length = saved;
    return `try { ${body} } catch${r.chance(0.9) ? ` (${e})` : ""} { ${catchBody} }`;
  }

  private closureStmt(): string {
    const r = this.r;
    const name = this.fresh("f");
    const a = this.fresh("a");
    const saved = this.vars.length;
    this.vars.push({ name: a, ty: "int", constant: false });
    const body = this.expr("int");
    this.vars.length = saved;
    this.vars.push({ name, ty: "fn", constant: false });
    const call = r.pick([
      `${name}.call(${this.small("int")})`,
      `call(${name}, ${this.small("int")})`,
      `${name}(${this.small("int")})`,
      `[1, 2, 3].map(${name})`,
      `type_of(${name})`,
      `${name}.is_anonymous`,
    ]);
    return `let ${name} = |${a}| ${body}; print(${call});`;
  }

  private fnDef(): string {
    const r = this.r;
    const name = this.fresh("fun");
    const params: Ty[] = [];
    const np = r.int(3);
    for (let i = 0; i < np; i++) params.push(r.pick(["int", "float", "string", "array"] as Ty[]));
    const ret = r.pick(VALUE_TYPES);
    const savedVars = this.vars;
    this.vars = params.map((ty, i) => ({ name: `p${i}`, ty, constant: false }));
    const body: string[] = [];
    const n = r.int(3);
    for (let i = 0; i < n; i++) body.push(this.stmt());
    if (r.chance(0.2)) body.push(`if this != () { this = ${this.small("int")}; }`);
    const result = r.chance(0.5) ? `return ${this.expr(ret)};` : this.expr(ret);
    this.vars = savedVars;
    this.fns.push({ name, params, ret });
    return `fn ${name}(${params.map((_, i) => `p${i}`).join(", ")}) { ${body.join(" ")} ${result} }`;
  }

  // ---- expressions ------------------------------------------------------------

  private someMutable(): Var | undefined {
    const vs = this.vars.filter((v) => !v.constant);
    return vs.length === 0 ? undefined : this.r.pick(vs);
  }

  private someVar(ty?: Ty): Var | undefined {
    const vs = ty === undefined ? this.vars : this.vars.filter((v) => v.ty === ty);
    return vs.length === 0 ? undefined : this.r.pick(vs);
  }

  private literalInt(): string {
    return String(this.r.int(10) - 3);
  }

  private small(ty: "int"): string {
    if (this.r.chance(0.7)) return String(this.r.int(8) - 2);
    return this.expr(ty);
  }

  /** Something print() can take: any value, sometimes an interpolated string. */
  private printable(): string {
    const r = this.r;
    if (r.chance(0.3)) {
      const parts: string[] = [];
      const n = 1 + r.int(3);
      for (let i = 0; i < n; i++)
        parts.push(`${r.pick(["", "x=", " ", "- "])}\${${this.expr(r.pick(VALUE_TYPES))}}`);
      return `\`${parts.join("")}\``;
    }
    return this.expr(r.pick(VALUE_TYPES));
  }

  /** An expression of any type, sometimes one that mixes types on purpose. */
  private typedOrBroken(_ty: "any"): string {
    const r = this.r;
    const a = this.expr(r.pick(VALUE_TYPES));
    const b = this.expr(r.pick(VALUE_TYPES));
    return r.pick([
      `${a} ${r.pick(["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||", "in", "??", "**"])} ${b}`,
      `${a}[${this.expr(r.pick(["int", "string", "range"] as Ty[]))}]`,
      `${a}.${r.pick(["len()", "to_string()", "to_debug()", "is_empty()", "a", "contains(1)", "abs()", "to_int()", "to_float()", "to_array()", "keys()", "values()", "type_of()", "call()"])}`,
      `-(${a})`,
      `!(${a})`,
      `${a}.${r.pick(["to_blob()", "len", "is_shared()", "sort_by(|a, b| a < b)", "to_json()", "sum()", "min()"])}`,
    ]);
  }

  expr(ty: Ty): string {
    this.depth++;
    try {
      const r = this.r;
      if (this.depth > 4 || r.chance(0.25)) return this.leaf(ty);
      if (r.chance(0.15)) {
        const v = this.someVar(ty);
        if (v !== undefined) return v.name;
      }
      if (r.chance(0.06)) {
        const f = this.fns.find((fd) => fd.ret === ty);
        if (f !== undefined) return this.callFn(f);
      }
      if (r.chance(0.04))
        return `if ${this.expr("bool")} { ${this.expr(ty)} } else { ${this.expr(ty)} }`;
      if (r.chance(0.03))
        return `switch ${this.small("int")} { 0 => ${this.expr(ty)}, 1 | 2 => ${this.expr(ty)}, _ => ${this.expr(ty)} }`;
      switch (ty) {
        case "int":
          return this.intExpr();
        case "float":
          return this.floatExpr();
        case "bool":
          return this.boolExpr();
        case "string":
          return this.stringExpr();
        case "char":
          return this.charExpr();
        case "array":
          return this.arrayExpr();
        case "map":
          return this.mapExpr();
        case "blob":
          return this.blobExpr();
        case "range":
          return `${this.small("int")}..${this.small("int")}`;
        default:
          return this.leaf(ty);
      }
    } finally {
      this.depth--;
    }
  }

  private callFn(f: FnDef): string {
    const args = f.params.map((p) => this.expr(p));
    if (args.length > 0 && this.r.chance(0.3)) {
      const [first, ...rest] = args;
      return `(${first}).${f.name}(${rest.join(", ")})`;
    }
    return `${f.name}(${args.join(", ")})`;
  }

  private leaf(ty: Ty): string {
    const r = this.r;
    const v = r.chance(0.4) ? this.someVar(ty) : undefined;
    if (v !== undefined) return v.name;
    switch (ty) {
      case "int":
        return r.chance(0.5) ? String(r.int(20) - 5) : r.pick(INT_EDGES);
      case "float":
        return r.pick(FLOAT_EDGES);
      case "bool":
        return r.pick(["true", "false"]);
      case "string":
        return r.pick(STRINGS);
      case "char":
        return r.pick(CHARS);
      case "array":
        return r.pick([
          "[]",
          "[1, 2, 3]",
          "[1, \"two\", 'c', 4.5, true, ()]",
          "[[1], [2, 3]]",
          "[3, 1, 2]",
          "[-1, 0, 1]",
        ]);
      case "map":
        return r.pick([
          "#{}",
          "#{a: 1}",
          "#{a: 1, b: \"x\", c: 'c'}",
          '#{"x y": [1, 2], b: #{c: 2.5}}',
        ]);
      case "blob":
        return r.pick(["blob()", "blob(3)", "blob(4, 0x41)", "[1, 2, 255].to_blob()"]);
      case "range":
        return "0..3";
      default:
        return "()";
    }
  }

  private intExpr(): string {
    const r = this.r;
    const a = () => this.expr("int");
    switch (r.int(16)) {
      case 0:
      case 1:
      case 2:
        return `${a()} ${r.pick(["+", "-", "*"])} ${a()}`;
      case 3:
        return `${a()} ${r.pick(["/", "%"])} ${a()}`;
      case 4:
        return `${a()} ${r.pick(["<<", ">>"])} ${r.chance(0.7) ? String(r.int(70) - 3) : a()}`;
      case 5:
        return `${a()} ${r.pick(["&", "|", "^"])} ${a()}`;
      case 6:
        return `${a()} ** ${r.chance(0.8) ? String(r.int(66) - 1) : a()}`;
      case 7:
        return r.chance(0.9) ? `-(${a()})` : `-${r.int(9)}.abs()`;
      case 8:
        return `${this.expr("float")}.${r.pick(["to_int()", "floor().to_int()", "round().to_int()"])}`;
      case 9:
        return `${r.pick([this.expr("string"), this.expr("array"), this.expr("map"), this.expr("blob")])}.len()`;
      case 10:
        return `${a()}.${r.pick(["abs()", "sign()", "min(3)", "max(-3)", "get_bit(3).to_int()", "bits(0, 8)", "is_odd().to_int()"])}`;
      case 11:
        return `${this.expr("string")}.${r.pick(["index_of('a')", 'index_of("b")', "parse_int()", "to_int()"])}`;
      case 12:
        return `${this.expr("char")}.to_int()`;
      case 13:
        return `${this.expr("array")}.${r.pick(["len()", "index_of(2)", "reduce(|s, x| s + 1, 0)"])}`;
      case 14:
        return `(${a()})`;
      default:
        return `${r.pick(["max", "min"])}(${a()}, ${a()})`;
    }
  }

  private floatExpr(): string {
    const r = this.r;
    const num = () => this.expr(r.chance(0.7) ? "float" : "int");
    switch (r.int(9)) {
      case 0:
      case 1:
      case 2:
        return `${this.expr("float")} ${r.pick(["+", "-", "*", "/", "%"])} ${num()}`;
      case 3:
        return `${num()} ** ${r.pick(["0.5", "2.0", "3", "-1", "0.1", "10.0", this.expr("float")])}`;
      case 4:
        return `${this.expr("float")}.${r.pick(["floor()", "ceiling()", "round()", "int()", "fraction()", "sqrt()", "abs()", "exp()", "ln()", "log()", "sin()", "cos()", "tan()", "to_degrees()", "to_radians()"])}`;
      case 5:
        return `${this.expr("int")}.to_float()`;
      case 6:
        return `${this.expr("string")}.parse_float()`;
      case 7:
        return `-(${this.expr("float")})`;
      default:
        return `${r.pick(["max", "min"])}(${num()}, ${this.expr("float")})`;
    }
  }

  private boolExpr(): string {
    const r = this.r;
    const cmp = r.pick(["==", "!=", "<", "<=", ">", ">="]);
    switch (r.int(10)) {
      case 0:
        return `${this.expr("int")} ${cmp} ${this.expr("int")}`;
      case 1:
        return `${this.expr("float")} ${cmp} ${this.expr(r.pick(["float", "int"] as Ty[]))}`;
      case 2:
        return `${this.expr("string")} ${cmp} ${this.expr(r.pick(["string", "char"] as Ty[]))}`;
      case 3:
        return `${this.expr("bool")} ${r.pick(["&&", "||", "^", "&", "|", "==", "!="])} ${this.expr("bool")}`;
      case 4:
        return `!(${this.expr("bool")})`;
      case 5: {
        const [a, b] = r.pick([
          ["int", "array"],
          ["string", "string"],
          ["char", "string"],
          ["string", "map"],
          ["int", "range"],
        ] as [Ty, Ty][]);
        return `${this.expr(a)} in ${this.expr(b)}`;
      }
      case 6:
        return `${this.expr("float")}.${r.pick(["is_nan()", "is_finite()", "is_infinite()", "is_zero()"])}`;
      case 7:
        return `${this.expr("array")} ${r.pick(["==", "!="])} ${this.expr("array")}`;
      case 8:
        return `${this.expr("string")}.${r.pick(["contains('a')", 'starts_with("a")', 'ends_with("c")', "is_empty()"])}`;
      default:
        return `${this.expr("int")}.${r.pick(["is_even()", "is_odd()", "is_zero()", "get_bit(1)"])}`;
    }
  }

  private stringExpr(): string {
    const r = this.r;
    switch (r.int(12)) {
      case 0:
      case 1:
        return `${this.expr("string")} + ${this.expr(r.pick(VALUE_TYPES))}`;
      case 2:
        return `${this.expr(r.pick(VALUE_TYPES))}.to_string()`;
      case 3:
        return `\`\${${this.expr(r.pick(VALUE_TYPES))}}\``;
      case 4:
        return `${this.expr("string")}.${r.pick(["to_upper()", "to_lower()", "trim()", "sub_string(1)", "sub_string(1, 2)", "sub_string(-2)", 'split(",").len().to_string()'])}`;
      case 5:
        return `${this.expr(r.pick(VALUE_TYPES))}.to_debug()`;
      case 6:
        return `${this.expr("int")}.${r.pick(["to_hex()", "to_octal()", "to_binary()"])}`;
      case 7:
        return `${this.expr("float")}.to_string()`;
      case 8:
        return `${this.expr("string")}[${this.small("int")}..${this.small("int")}]`;
      case 9:
        return `type_of(${this.expr(r.pick(VALUE_TYPES))})`;
      case 10:
        return `${this.expr(r.pick(["map", "array", "int", "string"] as Ty[]))}.to_json()`;
      default:
        return `${this.expr("char")} + ${this.expr(r.pick(["string", "char"] as Ty[]))}`;
    }
  }

  private charExpr(): string {
    const r = this.r;
    switch (r.int(4)) {
      case 0:
        return `${this.expr("string")}[${this.small("int")}]`;
      case 1:
        return `${this.expr("char")}.${r.pick(["to_upper()", "to_lower()"])}`;
      case 2:
        return `${this.expr("int")}.to_char()`;
      default:
        return this.leaf("char");
    }
  }

  private arrayExpr(): string {
    const r = this.r;
    switch (r.int(12)) {
      case 0:
      case 1: {
        const n = r.int(4);
        const items: string[] = [];
        for (let i = 0; i < n; i++) items.push(this.expr(r.pick(VALUE_TYPES)));
        return `[${items.join(", ")}]`;
      }
      case 2:
        return `${this.expr("array")} + ${this.expr("array")}`;
      case 3:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Rhai source, not a JS template
        return `${this.expr("array")}.map(|x| ${r.pick(["x", "x * 2", "type_of(x)", "`${x}!`", "[x]"])})`;
      case 4:
        return `${this.expr("array")}.filter(|x| ${r.pick(["x > 1", 'type_of(x) == "i64"', "true", "x != ()"])})`;
      case 5:
        return `${this.expr("string")}.${r.pick(['split(",")', "split()", "chars()", 'split("l")', "to_chars()"])}`;
      case 6:
        return `${this.expr("map")}.${r.pick(["keys()", "values()"])}`;
      case 7:
        return `${this.expr("array")}${r.pick(["[1..]", "[..2]", "[0..=1]", ".extract(1)", ".extract(0, 2)"])}`;
      case 8:
        return `${this.expr("blob")}.to_array()`;
      case 9:
        return `range(0, ${r.int(6)}).${r.pick(["collect()", "map(|x| x)"])}`;
      case 10:
        return `${r.pick(["[3, 1, 2]", '["b", "a"]', "[1.5, -2.0, 0.0]"])}.sort_by(|a, b| ${r.pick(["a < b", "if a < b { -1 } else if a > b { 1 } else { 0 }"])})`;
      default:
        return `${this.expr("array")}.${r.pick(["reverse()", "sort()", "dedup()", "chop(1)", "drain(0, 1)", "zip([1, 2], |a, b| [a, b])"])}`;
    }
  }

  private mapExpr(): string {
    const r = this.r;
    switch (r.int(5)) {
      case 0:
      case 1: {
        const n = r.int(4);
        const items: string[] = [];
        const keys = ["a", "b", "c", '"d e"', "z1"];
        for (let i = 0; i < n; i++) {
          const key = keys.splice(r.int(keys.length), 1)[0];
          items.push(`${key}: ${this.expr(r.pick(VALUE_TYPES))}`);
        }
        return `#{${items.join(", ")}}`;
      }
      case 2:
        return `${this.expr("map")} + ${this.expr("map")}`;
      case 3:
        return `parse_json(${r.pick(['"{\\"a\\": 1, \\"b\\": [true, null, 2.5]}"', '"{}"', '"{\\"x\\": {\\"y\\": \\"z\\"}}"', '"[1, 2]"', '"42"', '"\\"s\\""', '"null"', '"{bad"'])})`;
      default:
        return `${this.expr("map")}.${r.pick(['filter(|k, v| k != "a")', "map(|k, v| k)"])}`;
    }
  }

  private blobExpr(): string {
    const r = this.r;
    switch (r.int(4)) {
      case 0:
        return `blob(${r.int(5)}, ${this.small("int")})`;
      case 1:
        return `${this.expr("blob")} + ${this.expr("blob")}`;
      case 2:
        return `${this.expr("string")}.to_blob()`;
      default:
        return `${this.expr("array")}.to_blob()`;
    }
  }
}

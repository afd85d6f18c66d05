/**
 * The executor of parsed templates: it walks the tree with Go text/template's semantics (dot,
 * variables and their scopes, pipelines passing the previous value as the last argument, field
 * access on structs and maps with missingkey=zero, if/with/range with else, break/continue,
 * template calls) and writes the output. Execution is async because `query` asks the database;
 * everything else completes synchronously. Failures throw TemplateExecError with Go's wording,
 * `template: NAME:LINE:COL: executing "NAME" at <NODE>: …`.
 */
import { sprintValue } from './fmt.ts';
import { lineOf } from './lex.ts';
import type { ArgNode, CommandNode, Node, PipeNode, Template } from './parse.ts';
import { GoMap, GoStruct, goTypeName, isTrue } from './values.ts';

/** TemplateFunc: a function callable from templates; it throws TemplateFuncError on bad input. */
export type TemplateFunc = (args: unknown[]) => unknown | Promise<unknown>;

/** TemplateFuncError: a function's own failure, reported as `error calling NAME: message`. */
export class TemplateFuncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateFuncError';
  }
}

/** TemplateExecError: a template that failed while executing. */
export class TemplateExecError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateExecError';
  }
}

const MAX_TEMPLATE_DEPTH = 1000;
/** Lazily evaluated builtins (Go short-circuits `and` and `or`). */
const LAZY = new Set(['and', 'or']);

class Break {}
class Continue {}

/** NO_FINAL: marks that no previous pipeline stage passes a value. */
const NO_FINAL = Symbol('no final');
type Final = unknown | typeof NO_FINAL;

/** execute runs `tmpl` with `data` as dot and returns the output. */
export async function execute(tmpl: Template, data: unknown, funcs: ReadonlyMap<string, TemplateFunc>): Promise<string> {
  const st = new State(tmpl, funcs, data);
  const out: string[] = [];
  await st.walkList(tmpl.root, data, out);
  return out.join('');
}

class State {
  vars: { name: string; value: unknown }[];
  depth = 0;
  constructor(
    readonly tmpl: Template,
    readonly funcs: ReadonlyMap<string, TemplateFunc>,
    root: unknown,
  ) {
    this.vars = [{ name: '$', value: root }];
  }

  fail(pos: number, at: string, msg: string, cause?: unknown): never {
    const src = this.tmpl.src;
    const line = lineOf(src, pos);
    const col = pos - (src.lastIndexOf('\n', pos - 1) + 1);
    throw new TemplateExecError(`template: ${this.tmpl.name}:${line}:${col}: executing "${this.tmpl.name}" at <${at}>: ${msg}`, cause === undefined ? undefined : { cause });
  }

  varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    throw new Error(`BUG: undefined variable ${name} passed the parser`);
  }

  setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    throw new Error(`BUG: assignment to undeclared variable ${name} passed the parser`);
  }

  async walkList(list: Node[], dot: unknown, out: string[]): Promise<void> {
    for (const n of list) await this.walk(n, dot, out);
  }

  async walk(n: Node, dot: unknown, out: string[]): Promise<void> {
    switch (n.kind) {
      case 'text':
        out.push(n.text);
        return;
      case 'action': {
        const v = await this.evalPipeline(dot, n.pipe);
        if (n.pipe.decl.length === 0) out.push(v === undefined ? '<no value>' : sprintValue(v));
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const v = await this.evalPipeline(dot, n.pipe);
        if (isTrue(v)) await this.walkList(n.list, n.kind === 'with' ? v : dot, out);
        else if (n.elseList) await this.walkList(n.elseList, dot, out);
        this.vars.length = mark;
        return;
      }
      case 'range':
        return this.walkRange(n, dot, out);
      case 'template': {
        const body = this.tmpl.defined.get(n.name);
        if (!body) this.fail(n.pos, `template ${n.name}`, `no such template "${n.name}"`);
        const v = n.pipe ? await this.evalPipeline(dot, n.pipe) : null;
        if (++this.depth > MAX_TEMPLATE_DEPTH) this.fail(n.pos, `template ${n.name}`, `exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
        const saved = this.vars;
        this.vars = [{ name: '$', value: v }];
        try {
          await this.walkList(body, v, out);
        } finally {
          this.vars = saved;
          this.depth--;
        }
        return;
      }
      case 'break':
        throw new Break();
      case 'continue':
        throw new Continue();
    }
  }

  async walkRange(n: Extract<Node, { kind: 'range' }>, dot: unknown, out: string[]): Promise<void> {
    const mark = this.vars.length;
    const v = await this.evalPipeline(dot, n.pipe, true);
    let items: [unknown, unknown][];
    if (Array.isArray(v)) items = v.map((x, i) => [BigInt(i), x]);
    else if (v instanceof GoMap) items = [...v.entries.keys()].sort().map((k) => [k, v.entries.get(k)]);
    else if (typeof v === 'bigint') items = Array.from({ length: Number(v > 0n ? v : 0n) }, (_, i) => [BigInt(i), BigInt(i)]);
    else if (v === null || v === undefined) items = [];
    else this.fail(n.pos, 'range', `range can't iterate over ${sprintValue(v)}`);
    if (items.length === 0) {
      this.vars.length = mark;
      if (n.elseList) await this.walkList(n.elseList, dot, out);
      return;
    }
    const decl = n.pipe.decl;
    const base = this.vars.length;
    if (!n.pipe.isAssign) for (const name of decl) this.vars.push({ name, value: undefined });
    const set = (i: number, value: unknown) => {
      if (n.pipe.isAssign) this.setVar(decl[i], value);
      else this.vars[base + i].value = value;
    };
    for (const [key, elem] of items) {
      if (decl.length === 1) set(0, elem);
      else if (decl.length === 2) {
        set(0, key);
        set(1, elem);
      }
      const inner = this.vars.length;
      try {
        await this.walkList(n.list, elem, out);
      } catch (e) {
        if (e instanceof Break) break;
        if (!(e instanceof Continue)) throw e;
      } finally {
        this.vars.length = inner;
      }
    }
    this.vars.length = mark;
  }

  async evalPipeline(dot: unknown, pipe: PipeNode, isRange = false): Promise<unknown> {
    let value: Final = NO_FINAL;
    for (const cmd of pipe.cmds) value = await this.evalCommand(dot, cmd, value);
    const v = value === NO_FINAL ? undefined : value;
    if (!isRange) {
      for (const name of pipe.decl) {
        if (pipe.isAssign) this.setVar(name, v);
        else this.vars.push({ name, value: v });
      }
    }
    return v;
  }

  async evalCommand(dot: unknown, cmd: CommandNode, final: Final): Promise<unknown> {
    const first = cmd.args[0];
    switch (first.kind) {
      case 'field':
        return this.evalFields(dot, first.pos, first.idents, dot, cmd.args, final);
      case 'variable':
        return this.evalFields(dot, first.pos, first.idents, this.varValue(first.name), cmd.args, final);
      case 'chain': {
        const base = await this.evalArg(dot, first.node);
        return this.evalFields(dot, first.pos, first.idents, base, cmd.args, final);
      }
      case 'ident':
        return this.call(dot, first.name, first.pos, cmd.args.slice(1), final);
      case 'pipe': {
        this.notAFunction(cmd, final);
        const mark = this.vars.length;
        const v = await this.evalPipeline(dot, first.pipe);
        this.vars.length = mark;
        return v;
      }
      case 'nil':
        return this.fail(first.pos, 'nil', 'nil is not a command');
      default:
        this.notAFunction(cmd, final);
        return this.evalArg(dot, first);
    }
  }

  notAFunction(cmd: CommandNode, final: Final): void {
    if (cmd.args.length > 1 || final !== NO_FINAL) {
      const a = cmd.args[0];
      this.fail(a.pos, nodeText(a), `can't give argument to non-function ${nodeText(a)}`);
    }
  }

  async evalArg(dot: unknown, a: ArgNode): Promise<unknown> {
    switch (a.kind) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'bool':
        return a.value;
      case 'string':
        return a.value;
      case 'number':
        // Go's idealConstant: a literal with a point or exponent is a float64, else an int.
        if (a.int !== null && !/[.eEpP]/.test(a.text.replace(/^[+-]?0[xX][0-9a-fA-F_]*$/, ''))) return a.int;
        return a.float;
      case 'field':
        return this.evalFields(dot, a.pos, a.idents, dot, [a], NO_FINAL);
      case 'variable':
        return this.evalFields(dot, a.pos, a.idents, this.varValue(a.name), [a], NO_FINAL);
      case 'chain':
        return this.evalFields(dot, a.pos, a.idents, await this.evalArg(dot, a.node), [a], NO_FINAL);
      case 'ident':
        return this.call(dot, a.name, a.pos, [], NO_FINAL);
      case 'pipe': {
        const mark = this.vars.length;
        const v = await this.evalPipeline(dot, a.pipe);
        this.vars.length = mark;
        return v;
      }
    }
  }

  /** evalFields follows `.A.B…` from `base`; fields take no arguments. */
  evalFields(_dot: unknown, pos: number, idents: string[], base: unknown, args: ArgNode[], final: Final): unknown {
    let v = base;
    const text = nodeText(args[0]);
    for (const name of idents) {
      if (v instanceof GoStruct) {
        if (!(name in v.fields)) this.fail(pos, text, `can't evaluate field ${name} in type ${v.typeName}`);
        v = v.fields[name];
      } else if (v instanceof GoMap) {
        v = v.entries.has(name) ? v.entries.get(name) : v.zero;
      } else if (v === null || v === undefined) {
        this.fail(pos, text, `nil pointer evaluating ${goTypeName(v)}.${name}`);
      } else {
        this.fail(pos, text, `can't evaluate field ${name} in type ${goTypeName(v)}`);
      }
    }
    if (args.length > 1 || final !== NO_FINAL) {
      if (idents.length > 0) this.fail(pos, text, `${idents[idents.length - 1]} has arguments but cannot be invoked as function`);
      this.fail(pos, text, `can't give argument to non-function ${text}`);
    }
    return v;
  }

  async call(dot: unknown, name: string, pos: number, argNodes: ArgNode[], final: Final): Promise<unknown> {
    const fn = this.funcs.get(name);
    if (!fn) throw new Error(`BUG: function ${name} passed the parser but is not registered`);
    if (LAZY.has(name)) {
      const count = argNodes.length + (final === NO_FINAL ? 0 : 1);
      if (count < 1) this.fail(pos, name, `wrong number of args for ${name}: want at least 1 got 0`);
      let v: unknown;
      for (let i = 0; i < count; i++) {
        v = i < argNodes.length ? await this.evalArg(dot, argNodes[i]) : final;
        if (isTrue(v) === (name === 'or')) return v;
      }
      return v;
    }
    const args: unknown[] = [];
    for (const a of argNodes) args.push(await this.evalArg(dot, a));
    if (final !== NO_FINAL) args.push(final);
    try {
      return await fn(args);
    } catch (err) {
      if (err instanceof TemplateFuncError) this.fail(pos, name, `error calling ${name}: ${err.message}`, err);
      throw err;
    }
  }
}

/** nodeText: a node written back as template source, for messages. */
function nodeText(a: ArgNode): string {
  switch (a.kind) {
    case 'field':
      return '.' + a.idents.join('.');
    case 'variable':
      return [a.name, ...a.idents].join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(a.value);
    case 'number':
      return a.text;
    case 'string':
      return JSON.stringify(a.value);
    case 'ident':
      return a.name;
    case 'chain':
      return `(${nodeText(a.node)}).${a.idents.join('.')}`;
    case 'pipe':
      return '(…)';
  }
}

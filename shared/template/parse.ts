/**
 * The parser of Outpost's Go text/template subset: it turns lexer tokens into a tree of text,
 * actions, pipelines and the control structures if / else if / else / range / with / define /
 * template / block / break / continue, checking as Go does at parse time that functions exist and
 * variables are declared, and reporting problems as `template: NAME:LINE: message`.
 */
import { lex, lineOf, TemplateSyntaxError, type Token, type TokenKind } from './lex.ts';

export type ArgNode =
  | { kind: 'field'; pos: number; idents: string[] }
  | { kind: 'variable'; pos: number; name: string; idents: string[] }
  | { kind: 'dot'; pos: number }
  | { kind: 'nil'; pos: number }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'number'; pos: number; text: string; int: bigint | null; float: number | null }
  | { kind: 'string'; pos: number; value: string }
  | { kind: 'ident'; pos: number; name: string }
  | { kind: 'chain'; pos: number; node: ArgNode; idents: string[] }
  | { kind: 'pipe'; pos: number; pipe: PipeNode };

export interface CommandNode {
  pos: number;
  args: ArgNode[];
}

export interface PipeNode {
  pos: number;
  /** Variables declared (`:=`) or assigned (`=`) by the pipeline. */
  decl: string[];
  isAssign: boolean;
  cmds: CommandNode[];
}

export type Node =
  | { kind: 'text'; pos: number; text: string }
  | { kind: 'action'; pos: number; pipe: PipeNode }
  | { kind: 'if' | 'with'; pos: number; pipe: PipeNode; list: Node[]; elseList: Node[] | null }
  | { kind: 'range'; pos: number; pipe: PipeNode; list: Node[]; elseList: Node[] | null }
  | { kind: 'template'; pos: number; name: string; pipe: PipeNode | null }
  | { kind: 'break' | 'continue'; pos: number };

/** Template: a parsed template and the named templates it defines, all sharing one source. */
export interface Template {
  name: string;
  src: string;
  root: Node[];
  defined: Map<string, Node[]>;
}

/**
 * parseTemplate parses `src` as the template `name`, accepting calls only to `funcs`. Throws
 * TemplateSyntaxError.
 */
export function parseTemplate(name: string, src: string, funcs: ReadonlySet<string>): Template {
  const p = new Parser(name, src, lex(name, src), funcs);
  const root = p.parseTop();
  return { name, src, root, defined: p.defined };
}

type Stop = 'end' | 'else' | 'eof';

class Parser {
  readonly defined = new Map<string, Node[]>();
  #i = 0;
  #vars: string[] = ['$'];
  #rangeDepth = 0;

  constructor(
    readonly name: string,
    readonly src: string,
    readonly toks: Token[],
    readonly funcs: ReadonlySet<string>,
  ) {}

  fail(pos: number, msg: string): never {
    throw new TemplateSyntaxError(this.name, lineOf(this.src, pos), msg);
  }

  peek(): Token {
    return this.toks[this.#i];
  }
  next(): Token {
    return this.toks[this.#i++];
  }
  /** peekNonSpace / nextNonSpace skip whitespace inside actions. */
  peekNonSpace(): Token {
    while (this.toks[this.#i].kind === 'space') this.#i++;
    return this.toks[this.#i];
  }
  nextNonSpace(): Token {
    this.peekNonSpace();
    return this.next();
  }
  expect(kind: TokenKind, context: string): Token {
    const t = this.nextNonSpace();
    if (t.kind !== kind) this.fail(t.pos, `unexpected ${describe(t)} in ${context}`);
    return t;
  }

  parseTop(): Node[] {
    const [list, stop, pos] = this.parseList(true);
    if (stop !== 'eof') this.fail(pos, `unexpected {{${stop}}}`);
    return list;
  }

  parseDefine(): void {
    const nameTok = this.nextNonSpace();
    if (nameTok.kind !== 'string' && nameTok.kind !== 'rawString') this.fail(nameTok.pos, 'name of defined template must be a string');
    this.expect('right', 'define clause');
    const saved = this.#vars;
    this.#vars = ['$'];
    const [list, stop, at] = this.parseList();
    this.#vars = saved;
    if (stop !== 'end') this.fail(at, stop === 'eof' ? 'unexpected EOF' : `unexpected {{${stop}}}`);
    this.defined.set(unquoteToken(this, nameTok), list);
  }

  /** parseList reads nodes until {{end}}, {{else…}} or the end; the stop token is consumed. */
  parseList(top = false): [Node[], Stop, number] {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') return [nodes, 'eof', t.pos];
      if (t.kind === 'text') {
        nodes.push({ kind: 'text', pos: t.pos, text: t.text });
        continue;
      }
      if (t.kind !== 'left') this.fail(t.pos, `unexpected ${describe(t)}`);
      const k = this.peekNonSpace();
      if (k.kind === 'keyword') {
        switch (k.text) {
          case 'end':
            this.next();
            this.expect('right', 'end');
            return [nodes, 'end', k.pos];
          case 'else':
            this.next();
            return [nodes, 'else', k.pos];
          case 'if':
          case 'with':
          case 'range':
            this.next();
            nodes.push(this.parseControl(k.text, k.pos));
            continue;
          case 'template':
          case 'block':
            this.next();
            nodes.push(this.parseTemplateCall(k.text, k.pos));
            continue;
          case 'break':
          case 'continue':
            this.next();
            if (this.#rangeDepth === 0) this.fail(k.pos, `{{${k.text}}} outside {{range}}`);
            this.expect('right', k.text);
            nodes.push({ kind: k.text, pos: k.pos });
            continue;
          case 'define':
            if (!top) this.fail(k.pos, 'unexpected <define> in command');
            this.next();
            this.parseDefine();
            continue;
        }
      }
      const pipe = this.parsePipeline('command', 'right');
      nodes.push({ kind: 'action', pos: k.pos, pipe });
    }
  }

  parseControl(kind: 'if' | 'with' | 'range', pos: number): Node {
    const depth = this.#vars.length;
    const pipe = this.parsePipeline(kind, 'right');
    if (kind === 'range') this.#rangeDepth++;
    let [list, stop, at] = this.parseList();
    if (kind === 'range') this.#rangeDepth--;
    let elseList: Node[] | null = null;
    if (stop === 'else') {
      const k = this.peekNonSpace();
      if ((k.kind === 'keyword' && (k.text === 'if' || k.text === 'with')) && kind !== 'range') {
        // `{{else if …}}` / `{{else with …}}`: a nested control that shares this one's {{end}}.
        this.next();
        elseList = [this.parseControl(k.text as 'if' | 'with', k.pos)];
        this.#vars.length = depth;
        return { kind, pos, pipe, list, elseList };
      }
      this.expect('right', 'else');
      [elseList, stop, at] = this.parseList();
      if (stop === 'else') this.fail(at, 'expected end; found {{else}}');
    }
    if (stop !== 'end') this.fail(at, 'unexpected EOF');
    this.#vars.length = depth;
    return { kind, pos, pipe, list, elseList };
  }

  parseTemplateCall(kw: string, pos: number): Node {
    const nameTok = this.nextNonSpace();
    if (nameTok.kind !== 'string' && nameTok.kind !== 'rawString') this.fail(nameTok.pos, `unexpected ${describe(nameTok)} in ${kw} clause`);
    const name = unquoteToken(this, nameTok);
    let pipe: PipeNode | null = null;
    if (this.peekNonSpace().kind !== 'right') pipe = this.parsePipeline(`${kw} clause`, 'right');
    else this.next();
    if (kw === 'block') {
      const saved = this.#vars;
      this.#vars = ['$'];
      const [list, stop, at] = this.parseList();
      this.#vars = saved;
      if (stop !== 'end') this.fail(at, 'unexpected EOF');
      this.defined.set(name, list);
    }
    return { kind: 'template', pos, name, pipe };
  }

  /** parsePipeline reads `[decl :=] cmd | cmd …` up to the `end` token, which it consumes. */
  parsePipeline(context: string, end: 'right' | 'rparen'): PipeNode {
    const start = this.peekNonSpace();
    const pipe: PipeNode = { pos: start.pos, decl: [], isAssign: false, cmds: [] };
    // Declarations: `$x :=`, `$x =`, and in range `$i, $e :=`.
    if (start.kind === 'variable') {
      const save = this.#i;
      this.next();
      const after = this.peekNonSpace();
      if (after.kind === 'declare' || after.kind === 'assign') {
        this.next();
        pipe.decl.push(start.text);
        pipe.isAssign = after.kind === 'assign';
        if (pipe.isAssign && !this.#vars.includes(start.text)) this.fail(start.pos, `undefined variable "${start.text}"`);
      } else if (after.kind === 'comma' && context === 'range') {
        this.next();
        const second = this.nextNonSpace();
        if (second.kind !== 'variable') this.fail(second.pos, `range can only initialize variables`);
        const op = this.nextNonSpace();
        if (op.kind !== 'declare' && op.kind !== 'assign') this.fail(op.pos, `unexpected ${describe(op)} in range`);
        pipe.decl.push(start.text, second.text);
        pipe.isAssign = op.kind === 'assign';
      } else {
        this.#i = save;
      }
    }
    for (;;) {
      const t = this.peekNonSpace();
      if (t.kind === end) {
        this.next();
        break;
      }
      if (t.kind === 'eof' || t.kind === 'right' || t.kind === 'rparen') {
        this.fail(t.pos, t.kind === 'eof' ? 'unclosed action' : `unexpected ${describe(t)} in ${context}`);
      }
      pipe.cmds.push(this.parseCommand());
      const sep = this.peekNonSpace();
      if (sep.kind === 'pipe') this.next();
    }
    if (pipe.cmds.length === 0) this.fail(start.pos, `missing value for ${context}`);
    for (let i = 1; i < pipe.cmds.length; i++) {
      const first = pipe.cmds[i].args[0];
      if (first.kind === 'bool' || first.kind === 'dot' || first.kind === 'nil' || first.kind === 'number' || first.kind === 'string') {
        this.fail(first.pos, `non executable command in pipeline stage ${i + 1}`);
      }
    }
    if (!pipe.isAssign) for (const v of pipe.decl) this.#vars.push(v);
    return pipe;
  }

  parseCommand(): CommandNode {
    const cmd: CommandNode = { pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      const t = this.peekNonSpace();
      if (t.kind === 'right' || t.kind === 'rparen' || t.kind === 'pipe' || t.kind === 'eof') break;
      const op = this.parseOperand();
      cmd.args.push(op);
      const after = this.peek();
      if (after.kind !== 'space' && after.kind !== 'right' && after.kind !== 'rparen' && after.kind !== 'pipe') {
        this.fail(after.pos, `unexpected ${describe(after)} in operand`);
      }
    }
    if (cmd.args.length === 0) this.fail(cmd.pos, 'empty command');
    return cmd;
  }

  parseOperand(): ArgNode {
    const node = this.parseTerm();
    const fields: string[] = [];
    while (this.peek().kind === 'field') fields.push(this.next().text.slice(1));
    if (fields.length === 0) return node;
    switch (node.kind) {
      case 'field':
        return { ...node, idents: [...node.idents, ...fields] };
      case 'variable':
        return { ...node, idents: [...node.idents, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        return this.fail(node.pos, `unexpected . after term ${JSON.stringify(this.src.slice(node.pos, this.peek().pos))}`);
      default:
        return { kind: 'chain', pos: node.pos, node, idents: fields };
    }
  }

  parseTerm(): ArgNode {
    const t = this.nextNonSpace();
    switch (t.kind) {
      case 'ident':
        if (!this.funcs.has(t.text)) this.fail(t.pos, `function ${JSON.stringify(t.text)} not defined`);
        return { kind: 'ident', pos: t.pos, name: t.text };
      case 'dot':
        return { kind: 'dot', pos: t.pos };
      case 'nil':
        return { kind: 'nil', pos: t.pos };
      case 'variable':
        if (!this.#vars.includes(t.text)) this.fail(t.pos, `undefined variable "${t.text}"`);
        return { kind: 'variable', pos: t.pos, name: t.text, idents: [] };
      case 'field':
        return { kind: 'field', pos: t.pos, idents: [t.text.slice(1)] };
      case 'bool':
        return { kind: 'bool', pos: t.pos, value: t.text === 'true' };
      case 'number':
      case 'char':
        return parseNumberToken(this, t);
      case 'string':
      case 'rawString':
        return { kind: 'string', pos: t.pos, value: unquoteToken(this, t) };
      case 'lparen': {
        const pipe = this.parsePipeline('parenthesized pipeline', 'rparen');
        return { kind: 'pipe', pos: t.pos, pipe };
      }
      default:
        return this.fail(t.pos, `unexpected ${describe(t)} in operand`);
    }
  }
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'EOF';
  if (t.kind === 'right') return '"}}"';
  if (t.kind === 'keyword') return `<${t.text}>`;
  return JSON.stringify(t.text);
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** unquoteGo decodes a Go interpreted string or character body; null when malformed. */
function unquoteGo(body: string): string | null {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e in ESCAPES) out += ESCAPES[e];
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) return null;
      const cp = parseInt(hex, 16);
      if (e === 'x') out += Buffer.from([cp]).toString('latin1');
      else if (cp > 0x10ffff) return null;
      else out += String.fromCodePoint(cp);
      i += n;
    } else if (/[0-7]/.test(e)) {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) return null;
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else return null;
  }
  return out;
}

function unquoteToken(p: Parser, t: Token): string {
  if (t.kind === 'rawString') return t.text.slice(1, -1).replace(/\r/g, '');
  const v = unquoteGo(t.text.slice(1, -1));
  if (v === null) p.fail(t.pos, `invalid syntax: ${t.text}`);
  return v;
}

function parseNumberToken(p: Parser, t: Token): ArgNode {
  if (t.kind === 'char') {
    const v = unquoteGo(t.text.slice(1, -1));
    if (v === null || [...v].length !== 1) p.fail(t.pos, `malformed character constant: ${t.text}`);
    const cp = BigInt(v.codePointAt(0)!);
    return { kind: 'number', pos: t.pos, text: t.text, int: cp, float: Number(cp) };
  }
  const text = t.text.replace(/_/g, '');
  const neg = text.startsWith('-');
  const body = text.replace(/^[+-]/, '');
  let int: bigint | null = null;
  let float: number | null = null;
  if (/^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|[1-9][0-9]*|0)$/.test(body)) {
    int = BigInt(body);
    if (neg) int = -int;
    float = Number(int);
  } else if (/^0[0-7]+$/.test(body)) {
    int = BigInt(`0o${body.slice(1)}`) * (neg ? -1n : 1n);
    float = Number(int);
  } else if (/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(body)) {
    float = Number(body) * (neg ? -1 : 1);
    if (Number.isInteger(float) && Math.abs(float) <= Number.MAX_SAFE_INTEGER && /[eE]/.test(body) && !body.includes('.')) {
      int = BigInt(float);
    }
  } else {
    p.fail(t.pos, `bad number syntax: ${JSON.stringify(t.text)}`);
  }
  return { kind: 'number', pos: t.pos, text: t.text, int, float };
}

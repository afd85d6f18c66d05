/**
 * checkAST: the type checks Prometheus' parser runs on a syntactically valid tree (parse.go
 * checkAST), with the same messages and spans: operand and argument types and counts,
 * aggregation parameters, `bool` only on comparisons, vector matching only between instant
 * vectors, set operators only between vectors, and selectors that select something. It also
 * normalises what Prometheus normalises: set operators get many-to-many matching, and
 * `matching` is dropped unless both operands are instant vectors.
 */
import { documentedType, type BinaryExpr, type Expr, type PosRange, type ValueType } from '../ast.ts';
import type { ParseProblem } from './errors.ts';

const COMPARISONS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);
const SET_OPS: ReadonlySet<string> = new Set(['and', 'or', 'unless']);

/** checkAST appends the problems of `root` to `problems` and returns its type. */
export function checkAST(root: Expr, query: string, problems: ParseProblem[]): ValueType {
  const add = (pos: PosRange, message: string) => problems.push({ pos: { start: pos.start, end: pos.end }, message });
  const expectType = (e: Expr, want: ValueType, context: string) => {
    const t = check(e);
    if (t !== want) add(e.pos, `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`);
  };
  // opRange: the operator's span between the operands (end inclusive, as Prometheus has it).
  const opRange = (n: BinaryExpr): PosRange => {
    let start = n.lhs.pos.end;
    while (start < query.length && /\s/.test(query[start])) start++;
    let end = n.rhs.pos.start - 1;
    while (end > 0 && /\s/.test(query[end])) end--;
    return { start, end };
  };

  function check(n: Expr): ValueType {
    switch (n.kind) {
      case 'AggregateExpr':
        expectType(n.expr, 'vector', 'aggregation expression');
        if (n.param) {
          if (n.op === 'count_values') expectType(n.param, 'string', 'aggregation parameter');
          else expectType(n.param, 'scalar', 'aggregation parameter');
        }
        break;
      case 'BinaryExpr': {
        const lt = check(n.lhs);
        const rt = check(n.rhs);
        if (n.returnBool && !COMPARISONS.has(n.op)) add(opRange(n), 'bool modifier can only be used on comparison operators');
        if (COMPARISONS.has(n.op) && !n.returnBool && n.lhs.type === 'scalar' && n.rhs.type === 'scalar') {
          add(opRange(n), 'comparisons between scalars must use BOOL modifier');
        }
        const m = n.matching;
        if (m && SET_OPS.has(n.op) && m.card === 'one-to-one') m.card = 'many-to-many';
        if (m && m.on) {
          for (const l of m.labels) {
            if (m.include.includes(l)) add(opRange(n), `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`);
          }
        }
        if (lt !== 'scalar' && lt !== 'vector') add(n.lhs.pos, 'binary expression must contain only scalar and instant vector types');
        if (rt !== 'scalar' && rt !== 'vector') add(n.rhs.pos, 'binary expression must contain only scalar and instant vector types');
        const hasFill = m !== null && (m.fill.lhs !== null || m.fill.rhs !== null);
        if ((lt !== 'vector' || rt !== 'vector') && m) {
          if (m.labels.length > 0) add(n.pos, 'vector matching only allowed between instant vectors');
          if (hasFill) add(n.pos, 'filling in missing series only allowed between instant vectors');
          n.matching = null;
        } else if (m && SET_OPS.has(n.op)) {
          if (m.card === 'one-to-many' || m.card === 'many-to-one') add(n.pos, `no grouping allowed for ${JSON.stringify(n.op)} operation`);
          if (m.card !== 'many-to-many') add(n.pos, 'set operations must always be many-to-many');
          if (hasFill) add(n.pos, 'filling in missing series not allowed for set operators');
        }
        if ((lt === 'scalar' || rt === 'scalar') && SET_OPS.has(n.op)) {
          add(n.pos, `set operator ${JSON.stringify(n.op)} not allowed in binary scalar expression`);
        }
        break;
      }
      case 'Call': {
        const f = n.func;
        const nargs = f.argTypes.length;
        if (f.variadic === 0) {
          if (nargs !== n.args.length) add(n.pos, `expected ${nargs} argument(s) in call to ${JSON.stringify(f.name)}, got ${n.args.length}`);
        } else {
          const min = nargs - 1;
          if (min > n.args.length) add(n.pos, `expected at least ${min} argument(s) in call to ${JSON.stringify(f.name)}, got ${n.args.length}`);
          else if (f.variadic > 0 && min + f.variadic < n.args.length) {
            add(n.pos, `expected at most ${min + f.variadic} argument(s) in call to ${JSON.stringify(f.name)}, got ${n.args.length}`);
          }
        }
        if (f.name === 'info' && n.args.length > 1) {
          const sel = n.args[1];
          if (sel.type !== 'vector') add(n.pos, `expected type instant vector in call to function "info", got ${documentedType(sel.type)}`);
          if (sel.kind === 'VectorSelector' && sel.name !== '') add(sel.pos, 'expected label selectors only, got vector selector instead');
          else if (sel.kind === 'VectorSelector') sel.bypassEmptyMatcherCheck = true;
          else add(sel.pos, 'expected label selectors only');
        }
        for (let i = 0; i < n.args.length; i++) {
          let k = i;
          if (k >= nargs) {
            if (f.variadic === 0) break;
            k = nargs - 1;
          }
          const t = check(n.args[i]);
          if (k >= 0 && t !== f.argTypes[k]) {
            add(n.args[i].pos, `expected type ${documentedType(f.argTypes[k])} in call to function ${JSON.stringify(f.name)}, got ${documentedType(t)}`);
          }
        }
        break;
      }
      case 'ParenExpr':
        check(n.expr);
        break;
      case 'UnaryExpr': {
        const t = check(n.expr);
        if (t !== 'scalar' && t !== 'vector') {
          add(n.pos, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(documentedType(t))}`);
        }
        break;
      }
      case 'SubqueryExpr': {
        const t = check(n.expr);
        if (t !== 'vector') add(n.pos, `subquery is only allowed on instant vector, got ${t} instead`);
        break;
      }
      case 'MatrixSelector':
        check(n.vector);
        break;
      case 'VectorSelector':
        if (n.name !== '') {
          for (const m of n.matchers.slice(0, -1)) {
            if (m.name === '__name__') add(n.pos, `metric name must not be set twice: ${JSON.stringify(n.name)} or ${JSON.stringify(m.value)}`);
          }
        } else if (!n.bypassEmptyMatcherCheck && !n.matchers.some((m) => !m.matchesEmpty)) {
          add(n.pos, 'vector selector must contain at least one non-empty matcher');
        }
        break;
      case 'NumberLiteral':
      case 'StringLiteral':
      case 'DurationExpr':
        break;
    }
    return n.type;
  }

  return check(root);
}

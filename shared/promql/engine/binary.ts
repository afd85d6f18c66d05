/**
 * Binary operators over the grid: scalar–scalar, vector–scalar and vector–vector, with Prometheus
 * 3's rules: comparisons filter unless `bool`; arithmetic drops the metric name (vector–vector at
 * once, vector–scalar delayed); one-to-one, many-to-one and one-to-many matching with `on` /
 * `ignoring` and `group_left` / `group_right` (with Prometheus' messages for ambiguous matches);
 * `and`, `or`, `unless`; and the `fill` modifiers. Matching is done per step among the samples
 * present at that step, from signatures computed once per series.
 */
import type { BinaryExpr, BinaryOp, VectorMatching } from '../ast.ts';
import { Labels, METRIC_NAME } from '../../model/labels.ts';
import type { Evaluator } from './evaluator.ts';
import { QueryExecutionError } from './errors.ts';
import { Rows, RowsBuilder, type EvalValue, type Grid } from './rows.ts';

const METADATA = [METRIC_NAME, '__type__', '__unit__'];

/** goPow: math.Pow with Go's special cases where JavaScript's differ. */
export function goPow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** arith: an arithmetic operator on floats. */
function arith(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': return l / r;
    case '%': return l % r;
    case '^': return goPow(l, r);
    case 'atan2': return Math.atan2(l, r);
    default: throw new Error(`BUG: ${op} is not arithmetic`);
  }
}

/** compare: a comparison operator on floats. */
function compare(op: BinaryOp, l: number, r: number): boolean {
  switch (op) {
    case '==': return l === r;
    case '!=': return l !== r;
    case '>': return l > r;
    case '<': return l < r;
    case '>=': return l >= r;
    case '<=': return l <= r;
    default: throw new Error(`BUG: ${op} is not a comparison`);
  }
}

function isComparison(op: BinaryOp): boolean {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

function isArithmetic(op: BinaryOp): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^' || op === 'atan2';
}

function checkFloatOp(op: BinaryOp): void {
  if (op === '</' || op === '>/') throw new QueryExecutionError(`operator "${op}" is only defined for native histograms, which are not supported yet`);
}

/** evalBinary evaluates a binary expression over g. */
export async function evalBinary(ev: Evaluator, e: BinaryExpr, g: Grid): Promise<EvalValue> {
  checkFloatOp(e.op);
  const lt = e.lhs.type, rt = e.rhs.type;
  if (lt === 'scalar' && rt === 'scalar') {
    const l = await ev.scalar(e.lhs, g), r = await ev.scalar(e.rhs, g);
    const out = new Float64Array(g.steps);
    for (let j = 0; j < g.steps; j++) out[j] = isComparison(e.op) ? +compare(e.op, l[j], r[j]) : arith(e.op, l[j], r[j]);
    return { kind: 'scalar', values: out };
  }
  if (lt === 'vector' && rt === 'vector') {
    const lhs = await ev.vector(e.lhs, g);
    const rhs = await ev.vector(e.rhs, g);
    const m = e.matching ?? { card: 'one-to-one', on: false, labels: [], include: [], fill: { lhs: null, rhs: null } };
    if (e.op === 'and' || e.op === 'or' || e.op === 'unless') return { kind: 'vector', rows: setOp(e.op, lhs, rhs, m) };
    return { kind: 'vector', rows: vectorBinop(e, lhs, rhs, m) };
  }
  const swap = lt === 'scalar';
  const vec = await ev.vector(swap ? e.rhs : e.lhs, g);
  const sc = await ev.scalar(swap ? e.lhs : e.rhs, g);
  return { kind: 'vector', rows: vectorScalar(e.op, vec, sc, swap, e.returnBool) };
}

/** vectorScalar: a vector against one scalar per step; the vector's value survives comparisons. */
function vectorScalar(op: BinaryOp, vec: Rows, sc: Float64Array, swap: boolean, returnBool: boolean): Rows {
  const s = vec.steps;
  const values = new Float64Array(vec.values.length);
  const present = new Uint8Array(vec.present.length);
  const cmp = isComparison(op);
  for (let i = 0; i < vec.count; i++) {
    for (let j = 0; j < s; j++) {
      const k = i * s + j;
      if (!vec.present[k]) continue;
      const v = vec.values[k];
      const l = swap ? sc[j] : v, r = swap ? v : sc[j];
      if (cmp) {
        const keep = compare(op, l, r);
        if (returnBool) {
          values[k] = keep ? 1 : 0;
          present[k] = 1;
        } else if (keep) {
          values[k] = v;
          present[k] = 1;
        }
      } else {
        values[k] = arith(op, l, r);
        present[k] = 1;
      }
    }
  }
  const drop = isArithmetic(op) || returnBool;
  const flags = drop ? new Uint8Array(vec.count).fill(1) : vec.dropName;
  return new Rows(s, vec.labels, flags, values, present).compact();
}

/** signatures maps each series to a small integer naming its match group. */
function signatures(rows: Rows, m: VectorMatching, ords: Map<string, number>): Int32Array {
  const out = new Int32Array(rows.count);
  for (let i = 0; i < rows.count; i++) {
    const key = matchKey(rows.labels[i], m);
    let o = ords.get(key);
    if (o === undefined) {
      o = ords.size;
      ords.set(key, o);
    }
    out[i] = o;
  }
  return out;
}

function matchKey(l: Labels, m: VectorMatching): string {
  return matchLabels(l, m).key();
}

/** matchLabels: the labels that match series (`on` labels, or all but `ignoring` ones and the name). */
function matchLabels(l: Labels, m: VectorMatching): Labels {
  return m.on ? l.keep(...m.labels) : l.without(METRIC_NAME, ...m.labels);
}

/** setOp: `and`, `or`, `unless`, step by step. */
function setOp(op: 'and' | 'or' | 'unless', lhs: Rows, rhs: Rows, m: VectorMatching): Rows {
  const s = lhs.steps;
  const ords = new Map<string, number>();
  const ls = signatures(lhs, m, ords);
  const rs = signatures(rhs, m, ords);
  const seen = new Uint8Array(ords.size);
  const b = new RowsBuilder(s, lhs.count + (op === 'or' ? rhs.count : 0));
  const lRow = new Int32Array(lhs.count).fill(-1);
  const rRow = new Int32Array(rhs.count).fill(-1);
  for (let j = 0; j < s; j++) {
    seen.fill(0);
    const mark = op === 'or' ? lhs : rhs;
    const sig = op === 'or' ? ls : rs;
    for (let i = 0; i < mark.count; i++) if (mark.present[i * s + j]) seen[sig[i]] = 1;
    for (let i = 0; i < lhs.count; i++) {
      const k = i * s + j;
      if (!lhs.present[k]) continue;
      if (op === 'and' && !seen[ls[i]]) continue;
      if (op === 'unless' && seen[ls[i]]) continue;
      if (lRow[i] < 0) lRow[i] = b.row(lhs.labels[i], lhs.dropName[i] === 1);
      b.set(lRow[i], j, lhs.values[k]);
    }
    if (op !== 'or') continue;
    for (let i = 0; i < rhs.count; i++) {
      const k = i * s + j;
      if (!rhs.present[k] || seen[rs[i]]) continue;
      if (rRow[i] < 0) rRow[i] = b.row(rhs.labels[i], rhs.dropName[i] === 1);
      b.set(rRow[i], j, rhs.values[k]);
    }
  }
  return b.finish();
}

/** vectorBinop: arithmetic and comparisons between two vectors with one-to-one or x-to-one matching. */
function vectorBinop(e: BinaryExpr, lhs0: Rows, rhs0: Rows, m: VectorMatching): Rows {
  const op = e.op;
  const swap = m.card === 'one-to-many';
  const lhs = swap ? rhs0 : lhs0;
  const rhs = swap ? lhs0 : rhs0;
  // As in Prometheus, the fill values are NOT swapped with the sides: after the swap for
  // group_right, `fill_right` still fills a missing match on the (swapped) right, the "one"
  // side here, and `fill_left` one on the left. fill-modifier.test pins this behaviour.
  const fillR = m.fill.rhs;
  const fillL = m.fill.lhs;
  const s = lhs.steps;
  const ords = new Map<string, number>();
  const ls = signatures(lhs, m, ords);
  const rs = signatures(rhs, m, ords);
  const nSig = ords.size;
  const rightAt = new Int32Array(nSig);
  const matched = new Uint8Array(nSig);
  const inserted: Array<Set<string> | undefined> = new Array(nSig);
  const b = new RowsBuilder(s, lhs.count);
  const cmp = isComparison(op);
  const resultCache = new Map<string, Labels>();
  const oneToOne = m.card === 'one-to-one';

  const resultLabels = (l: Labels, r: Labels, lKey: string, rKey: string): Labels => {
    const key = lKey + '\u0000' + rKey;
    let res = resultCache.get(key);
    if (res) return res;
    let out = l;
    if (isArithmetic(op)) out = out.without(...METADATA);
    if (oneToOne) out = m.on ? out.keep(...m.labels) : out.without(...m.labels);
    for (const name of m.include) out = out.with(name, r.get(name));
    resultCache.set(key, (res = out));
    return res;
  };

  const apply = (j: number, l: Labels, lv: number, r: Labels, rv: number, sig: number, lKey: string, rKey: string) => {
    let fl = lv, fr = rv;
    if (swap) [fl, fr] = [fr, fl];
    let value: number;
    let keep = true;
    if (cmp) {
      keep = compare(op, fl, fr);
      value = e.returnBool ? (keep ? 1 : 0) : fl;
    } else value = arith(op, fl, fr);
    const metric = resultLabels(l, r, lKey, rKey);
    if (oneToOne) {
      if (matched[sig]) throw new QueryExecutionError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      matched[sig] = 1;
    } else {
      let set = inserted[sig];
      if (!set) inserted[sig] = set = new Set();
      const mk = metric.key();
      if (set.has(mk)) throw new QueryExecutionError('multiple matches for labels: grouping labels must ensure unique matches');
      set.add(mk);
    }
    if (!keep && !e.returnBool) return;
    b.set(b.row(metric, e.returnBool), j, value);
  };

  let lAny = 0, rAny = 0;
  for (let j = 0; j < s; j++) {
    lAny = 0;
    rAny = 0;
    for (let i = 0; i < lhs.count; i++) lAny += lhs.present[i * s + j];
    for (let i = 0; i < rhs.count; i++) rAny += rhs.present[i * s + j];
    if ((lAny === 0 && rAny === 0) || ((lAny === 0 || rAny === 0) && fillL === null && fillR === null)) continue;
    rightAt.fill(-1);
    matched.fill(0);
    inserted.fill(undefined);
    for (let i = 0; i < rhs.count; i++) {
      if (!rhs.present[i * s + j]) continue;
      const sig = rs[i];
      if (rightAt[sig] >= 0) {
        const a = rhs.labels[i].toString(), c = rhs.labels[rightAt[sig]].toString();
        const [d1, d2] = a > c ? [c, a] : [a, c];
        throw new QueryExecutionError(
          `found duplicate series for the match group ${matchLabels(rhs.labels[i], m).toString()} on the ${swap ? 'left' : 'right'} hand-side of the operation: [${d1}, ${d2}];many-to-many matching not allowed: matching labels must be unique on one side`,
        );
      }
      rightAt[sig] = i;
    }
    for (let i = 0; i < lhs.count; i++) {
      const k = i * s + j;
      if (!lhs.present[k]) continue;
      const sig = ls[i];
      const ri = rightAt[sig];
      if (ri >= 0) {
        apply(j, lhs.labels[i], lhs.values[k], rhs.labels[ri], rhs.values[ri * s + j], sig, String(i), String(ri));
      } else if (fillR !== null) {
        const fillLabels = matchLabels(lhs.labels[i], m);
        apply(j, lhs.labels[i], lhs.values[k], fillLabels, fillR, sig, String(i), 'f' + fillLabels.key());
      }
    }
    if (fillL !== null) {
      for (let i = 0; i < rhs.count; i++) {
        const k = i * s + j;
        if (!rhs.present[k]) continue;
        const sig = rs[i];
        if (oneToOne ? matched[sig] : inserted[sig]?.size) continue;
        const fillLabels = matchLabels(rhs.labels[i], m);
        apply(j, fillLabels, fillL, rhs.labels[i], rhs.values[k], sig, 'f' + fillLabels.key(), String(i));
      }
    }
  }
  return b.finish();
}

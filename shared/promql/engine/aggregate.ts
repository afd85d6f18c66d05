/**
 * Aggregations over the grid: the group of each input series is computed once from its labels
 * (`by` keeps the listed labels, `without` drops them and the metric name), then every present
 * cell is folded into its group's cell. sum and avg use Kahan–Neumaier compensated sums, and avg
 * switches to an incremental mean once the sum overflows (Prometheus 3). topk, bottomk, limitk
 * and limit_ratio keep input series, chosen per step; count_values makes a series per value.
 */
import type { AggregateExpr, Expr } from '../ast.ts';
import { Labels, METRIC_NAME } from '../../model/labels.ts';
import { hashLabels } from '../../model/hash.ts';
import { isValidLabelName } from '../../model/validate.ts';
import { formatFloat } from '../parser/numbers.ts';
import { goFloat } from './annotations.ts';
import type { Evaluator } from './evaluator.ts';
import { QueryExecutionError } from './errors.ts';
import { streamRangeCall, unwrapParens } from './functions/range.ts';
import { Rows, type Grid } from './rows.ts';
import { streamVectorSelector } from './selectors.ts';
import type { RowStream } from './sources.ts';
import { FOLD_OPS, foldCount, foldExtreme, mergePartial, readsPresenceOnly, type FoldOp, type FoldSpec, type Partial } from '../parallel/fold.ts';
import type { Querier, StepMatrix, SumCells } from '../../storage/interface.ts';

/** kahanInc adds inc to sum with compensation c (Neumaier's variant), as Prometheus does. */
export function kahanInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) return [t, 0];
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

/** quantileOf: the φ-quantile of values (sorted in place), interpolating between neighbours. */
export function quantileOf(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : a - b));
  const n = values.length;
  const rank = q * (n - 1);
  const lo = Math.max(0, Math.floor(rank));
  const hi = Math.min(n - 1, lo + 1);
  const w = rank - Math.floor(rank);
  return values[lo] * (1 - w) + values[hi] * w;
}

/** groupLabels: the labels of the group a series falls in. */
function groupLabels(l: Labels, e: AggregateExpr): Labels {
  if (e.without) return l.without(METRIC_NAME, ...e.grouping);
  if (e.grouping.length === 0) return Labels.EMPTY;
  return l.keep(...e.grouping);
}

/**
 * GroupKeys: the key of the group a series falls in, groupLabels(l, e).key(), written straight
 * from the series' labels: a query over thousands of series into a few groups then builds the
 * labels of each group once, not of every series.
 */
class GroupKeys {
  readonly #names: ReadonlySet<string>;
  readonly #kept: boolean;

  constructor(e: AggregateExpr) {
    this.#kept = !e.without;
    this.#names = new Set(e.without ? [METRIC_NAME, ...e.grouping] : e.grouping);
  }

  key(l: Labels): string {
    const f = l.flat, names = this.#names, kept = this.#kept;
    let key = '';
    for (let i = 0; i < f.length; i += 2) {
      if (names.has(f[i]) !== kept) continue;
      key = key === '' ? f[i] + '\xff' + f[i + 1] : key + '\xff' + f[i] + '\xff' + f[i + 1];
    }
    return key;
  }
}

/** evalAggregate evaluates an aggregation over g. */
export async function evalAggregate(ev: Evaluator, e: AggregateExpr, g: Grid): Promise<Rows> {
  if (e.op === 'count_values') {
    const label = await ev.string(e.param!, g);
    if (!isValidLabelName(label)) throw new QueryExecutionError(`invalid label name ${JSON.stringify(label)}`);
    return countValues(await ev.vector(e.expr, g), label, e);
  }
  const param = e.param ? await ev.scalar(e.param, g) : null;
  switch (e.op) {
    case 'topk':
    case 'bottomk':
    case 'limitk':
    case 'limit_ratio':
      return selectK(ev, e, await ev.vector(e.expr, g), param!);
  }
  // Fast path: a selector or range function folded slice by slice, never held whole.
  const stream = await streamOf(ev, e.expr, g);
  const input = stream ? null : await ev.vector(e.expr, g);
  if (e.op === 'quantile') warnQuantile(ev, e, param!);
  return input ? fold(ev, e, input, param) : foldStream(ev, e, stream!, g.steps, param);
}

/** streamOf: the argument as a RowStream when it is a selector or a kernel range function. */
async function streamOf(ev: Evaluator, arg: Expr, g: Grid): Promise<RowStream | null> {
  const x = unwrapParens(arg);
  ev.ctx.check('query execution');
  if (x.kind === 'VectorSelector') return streamVectorSelector(ev.ctx, x, g);
  if (x.kind === 'Call') return streamRangeCall(ev, x, g);
  return null;
}

function warnQuantile(ev: Evaluator, e: AggregateExpr, q: Float64Array): void {
  const pos = e.param!.pos;
  if (q.some(Number.isNaN)) ev.ctx.annotations.warn(`quantile value should be between 0 and 1, got NaN`, pos);
  let max = -Infinity, min = Infinity;
  for (const v of q) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  if (max > 1) ev.ctx.annotations.warn(`quantile value should be between 0 and 1, got ${goFloat(max)}`, pos);
  if (min < 0) ev.ctx.annotations.warn(`quantile value should be between 0 and 1, got ${goFloat(min)}`, pos);
}

/** fold: the aggregations that produce one series per group, over evaluated rows. */
function fold(ev: Evaluator, e: AggregateExpr, input: Rows, param: Float64Array | null): Rows {
  const f = new GroupFold(e, input.steps, ev.ctx.querier);
  const groupOf = new Int32Array(input.count);
  for (let i = 0; i < input.count; i++) groupOf[i] = f.enter(input.labels[i], input.dropName[i] === 1);
  f.addRows(input, 0, input.count, groupOf);
  return f.finish(param);
}

/**
 * foldStream: fold over a RowStream, each slice folded as the kernel produces it. A series
 * without any value is skipped, as the compacted rows of its evaluation would not hold it. The
 * values folded count against the query's sample limit as the evaluated argument's would.
 */
async function foldStream(ev: Evaluator, e: AggregateExpr, input: RowStream, steps: number, param: Float64Array | null): Promise<Rows> {
  const f = new GroupFold(e, steps, ev.ctx.querier);
  const live: Labels[] | null = input.after ? [] : null;
  let held = 0;
  if (input.fold && FOLD_OPS.has(e.op)) {
    // Each slice folds into its groups where it is computed (a query worker, or here); the
    // partials merge in series order.
    const keys = new GroupKeys(e);
    const slices = new Map<number, { spec: FoldSpec; groups: { key: string; labels: Labels }[] }>();
    await input.fold(
      (first, count) => {
        const local = new Map<string, number>(), groups: { key: string; labels: Labels }[] = [];
        const groupOf = new Int32Array(count);
        for (let i = 0; i < count; i++) {
          const l = input.labels[first + i], key = keys.key(l);
          let g = local.get(key);
          if (g === undefined) {
            local.set(key, (g = groups.length));
            groups.push({ key, labels: groupLabels(l, e) });
          }
          groupOf[i] = g;
        }
        const spec: FoldSpec = { op: e.op as FoldOp, groupOf, groups: groups.length };
        slices.set(first, { spec, groups });
        return spec;
      },
      (p, first) => {
        const { spec, groups } = slices.get(first)!;
        slices.delete(first);
        held += p.held;
        f.merge(p, spec, groups, (i) => input.dropName[first + i] === 1, (i) => live?.push(input.labels[first + i]));
      },
      readsPresenceOnly(e.op),
    );
  } else {
    // Each series with a value enters its group, in series order; one without any is skipped.
    const enter = (present: Uint8Array, first: number, count: number): Int32Array => {
      const groupOf = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const row = i * steps;
        let j = 0;
        while (j < steps && present[row + j] === 0) j++;
        if (j === steps) {
          groupOf[i] = -1;
          continue;
        }
        const labels = input.labels[first + i];
        groupOf[i] = f.enter(labels, input.dropName[first + i] === 1);
        live?.push(labels);
      }
      return groupOf;
    };
    if (input.sum && e.op === 'sum') held = await input.sum(enter, () => f.sumCells(), (m, row, count, groupOf) => f.addRows(m, row, count, groupOf));
    else await input.each((m, first, count) => (held += f.addRows(m, 0, count, enter(m.present, first, count))));
  }
  ev.ctx.hold(held, 'query execution');
  if (live) input.after!(live);
  return f.finish(param);
}

/**
 * SUM_CALL_CELLS: the most row cells one Querier.sumRows call takes, about what a slice of a 24 h
 * query at 15 s steps holds (its rows and their groups' sums pass through the core's memory).
 */
const SUM_CALL_CELLS = 1 << 18;

/**
 * GroupFold: the state of one folding aggregation. enter() numbers a series' group (in order of
 * first appearance), addRows() folds series' rows into their groups' cells; series must come in
 * input order (the order of the compensated additions). `sum` folds in the querier's WebAssembly
 * kernels (Querier.sumRows), the others here.
 */
class GroupFold {
  readonly #e: AggregateExpr;
  readonly #s: number;
  readonly #querier: Querier;
  readonly #keys: GroupKeys;
  readonly #index = new Map<string, number>();
  readonly #labels: Labels[] = [];
  #dropName = new Uint8Array(0);
  #seen = new Uint8Array(0);
  #val = new Float64Array(0);
  #comp = new Float64Array(0);
  #cnt = new Float64Array(0);
  #mean = new Float64Array(0);
  #incMean = new Uint8Array(0);
  #lists: number[][] | null;

  constructor(e: AggregateExpr, steps: number, querier: Querier) {
    this.#e = e;
    this.#s = steps;
    this.#querier = querier;
    this.#keys = new GroupKeys(e);
    this.#lists = e.op === 'quantile' ? [] : null;
  }

  /** enter: the group of a series' labels, added (and the cells grown) when new; `dropName` marks it. */
  enter(l: Labels, dropName: boolean): number {
    const key = this.#keys.key(l);
    const gi = this.#index.get(key) ?? this.#groupOf(key, groupLabels(l, this.#e));
    if (dropName) this.#dropName[gi] = 1;
    return gi;
  }

  /** sumCells: the running sums of `sum` (replaced when groups are added: ask again after enter()). */
  sumCells(): SumCells {
    return { sums: this.#val, comps: this.#comp, seen: this.#seen };
  }

  /**
   * addRows folds rows [row, row + count) of `m` (steps cells each), row i into group groupOf[i]
   * (−1: skipped), in order, and returns how many of their cells had a value.
   */
  addRows(m: Pick<StepMatrix, 'values' | 'present'>, row: number, count: number, groupOf: Int32Array): number {
    const s = this.#s;
    let n = 0;
    if (this.#e.op === 'sum') {
      // At most SUM_CALL_CELLS cells a call: the rows pass through the core's memory, which keeps
      // whatever size it grows to.
      const cells = this.sumCells();
      const per = Math.max(1, Math.floor(SUM_CALL_CELLS / s));
      for (let i = 0; i < count; i += per) n += this.#querier.sumRows(m, row + i, Math.min(per, count - i), s, groupOf.subarray(i), cells);
      return n;
    }
    for (let i = 0; i < count; i++) if (groupOf[i] >= 0) n += this.#add(groupOf[i], m.values, m.present, (row + i) * s);
    return n;
  }

  /** #groupOf: the group with labels gl (whose key is `key`), added (and the cells grown) when new. */
  #groupOf(key: string, gl: Labels): number {
    let gi = this.#index.get(key);
    if (gi !== undefined) return gi;
    gi = this.#labels.length;
    this.#index.set(key, gi);
    this.#labels.push(gl);
    if (gi >= this.#dropName.length) {
      const cap = Math.max(1, this.#dropName.length * 2), n = cap * this.#s;
      this.#dropName = grow(this.#dropName, new Uint8Array(cap));
      this.#seen = grow(this.#seen, new Uint8Array(n));
      this.#val = grow(this.#val, new Float64Array(n));
      this.#comp = grow(this.#comp, new Float64Array(n));
      this.#cnt = grow(this.#cnt, new Float64Array(n));
      this.#mean = grow(this.#mean, new Float64Array(n));
      this.#incMean = grow(this.#incMean, new Uint8Array(n));
    }
    return gi;
  }

  /** #add folds one series' row into group gi (not for sum) and returns how many of its cells had a value. */
  #add(gi: number, values: Float64Array, present: Uint8Array, row: number): number {
    const s = this.#s, op = this.#e.op;
    const base = gi * s;
    const seen = this.#seen, val = this.#val, comp = this.#comp, cnt = this.#cnt, mean = this.#mean, incMean = this.#incMean;
    const lists = this.#lists;
    if (op === 'count') return foldCount(present, row, base, s, seen, cnt);
    if (op === 'min' || op === 'max') return foldExtreme(op === 'max', values, present, row, base, s, seen, val);
    let n = 0;
    for (let j = 0; j < s; j++) {
      const k = row + j;
      if (!present[k]) continue;
      n++;
      const f = values[k];
      const c = base + j;
      if (!seen[c]) {
        seen[c] = 1;
        val[c] = f;
        mean[c] = f;
        cnt[c] = 1;
        if (op === 'stddev' || op === 'stdvar') val[c] = Number.isFinite(f) ? 0 : NaN;
        else if (op === 'group') val[c] = 1;
        else if (lists) lists[c] = [f];
        continue;
      }
      switch (op) {
        case 'avg': {
          cnt[c]++;
          if (!incMean[c]) {
            const [nv, nc] = kahanInc(f, val[c], comp[c]);
            if (nv !== Infinity && nv !== -Infinity) {
              val[c] = nv;
              comp[c] = nc;
              break;
            }
            incMean[c] = 1;
            mean[c] = val[c] / (cnt[c] - 1);
            comp[c] /= cnt[c] - 1;
          }
          const q = (cnt[c] - 1) / cnt[c];
          [mean[c], comp[c]] = kahanInc(f / cnt[c], q * mean[c], q * comp[c]);
          break;
        }
        case 'group':
          break;
        case 'stddev':
        case 'stdvar': {
          cnt[c]++;
          const delta = f - mean[c];
          mean[c] += delta / cnt[c];
          val[c] += delta * (f - mean[c]);
          break;
        }
        case 'quantile':
          lists![c].push(f);
          break;
        default:
          throw new Error(`BUG: ${op} is not a folding aggregation`);
      }
    }
    return n;
  }

  /**
   * merge folds a slice's Partial (FoldSpec `spec`, its local groups' labels `groups`) as add()
   * would have folded the slice's series one by one: groups are added in the order of their
   * first series with a value. `dropName(i)` and `live(i)` are asked and told of the slice's
   * series i that had a value.
   */
  merge(p: Partial, spec: FoldSpec, groups: readonly { key: string; labels: Labels }[], dropName: (i: number) => boolean, live: (i: number) => void): void {
    const at = new Int32Array(spec.groups).fill(-1);
    for (let i = 0; i < spec.groupOf.length; i++) {
      if (!p.live[i]) continue;
      const g = spec.groupOf[i];
      if (at[g] < 0) at[g] = this.#groupOf(groups[g].key, groups[g].labels);
      if (dropName(i)) this.#dropName[at[g]] = 1;
      live(i);
    }
    const op = this.#e.op as FoldOp, s = this.#s;
    const val = op === 'count' ? this.#cnt : this.#val;
    for (let g = 0; g < spec.groups; g++) if (at[g] >= 0) mergePartial(op, p, g, at[g] * s, this.#seen, val);
  }

  /** finish: one series per group (`param`: quantile's φ per step). */
  finish(param: Float64Array | null): Rows {
    const s = this.#s, op = this.#e.op, groups = this.#labels.length;
    const n = groups * s;
    const seen = this.#seen.slice(0, n), val = this.#val.slice(0, n), comp = this.#comp, cnt = this.#cnt, mean = this.#mean;
    for (let c = 0; c < n; c++) {
      if (!seen[c]) continue;
      switch (op) {
        case 'sum':
          val[c] += comp[c];
          break;
        case 'avg':
          val[c] = this.#incMean[c] ? mean[c] + comp[c] : val[c] / cnt[c] + comp[c] / cnt[c];
          break;
        case 'count':
          val[c] = cnt[c];
          break;
        case 'stdvar':
          val[c] /= cnt[c];
          break;
        case 'stddev':
          val[c] = Math.sqrt(val[c] / cnt[c]);
          break;
        case 'quantile':
          val[c] = quantileOf(param![c % s], this.#lists![c]);
          break;
      }
    }
    return new Rows(s, this.#labels, this.#dropName.slice(0, groups), val, seen);
  }
}

/** grow copies `from` into the start of the larger `to`. */
function grow<T extends Uint8Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** selectK: topk, bottomk, limitk and limit_ratio, choosing input series per step and group. */
function selectK(ev: Evaluator, e: AggregateExpr, input: Rows, param: Float64Array): Rows {
  const s = input.steps;
  let max = -Infinity, min = Infinity, nan = false;
  for (const v of param) {
    if (Number.isNaN(v)) nan = true;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  if (e.op === 'limit_ratio') {
    if (nan) throw new QueryExecutionError('Ratio value is NaN');
    if (max === 0 && min === 0) return Rows.empty(s);
    if (max > 1) ev.ctx.annotations.warn(`ratio value should be between -1 and 1, got ${goFloat(max)}, capping to 1`, e.param!.pos);
    if (min < -1) ev.ctx.annotations.warn(`ratio value should be between -1 and 1, got ${goFloat(min)}, capping to -1`, e.param!.pos);
  } else {
    if (nan) throw new QueryExecutionError('Parameter value is NaN');
    if (max < 1) return Rows.empty(s);
    if (min <= -9223372036854775808) throw new QueryExecutionError(`Scalar value ${goFloat(min)} underflows int64`);
    if (max >= 9223372036854775807) throw new QueryExecutionError(`Scalar value ${goFloat(max)} overflows int64`);
  }
  const groups = new Map<string, number[]>();
  const keys = new GroupKeys(e);
  for (let i = 0; i < input.count; i++) {
    const key = keys.key(input.labels[i]);
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(i);
  }
  const offsets = e.op === 'limit_ratio' ? input.labels.map((l) => hashLabels(l) / 2 ** 53) : null;
  const order: number[] = [];
  const rowOf = new Int32Array(input.count).fill(-1);
  const chosen: Array<[number, number]> = [];
  const desc = (a: number, b: number) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : b - a);
  const asc = (a: number, b: number) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a - b);
  for (let j = 0; j < s; j++) {
    const p = param[j];
    for (const members of groups.values()) {
      const live = members.filter((i) => input.present[i * s + j]);
      if (live.length === 0) continue;
      let pick: number[];
      if (e.op === 'limit_ratio') {
        const r = Math.max(-1, Math.min(1, p));
        if (r === 0) continue;
        pick = live.filter((i) => (r >= 0 ? offsets![i] < r : offsets![i] >= 1 + r));
      } else {
        const k = Math.min(Math.trunc(p), input.count);
        if (k < 1) continue;
        if (e.op === 'limitk') pick = live.slice(0, k);
        else {
          const cmp = e.op === 'topk' ? desc : asc;
          pick = [...live].sort((a, b) => cmp(input.values[a * s + j], input.values[b * s + j])).slice(0, k);
        }
      }
      for (const i of pick) {
        if (rowOf[i] < 0) {
          rowOf[i] = order.length;
          order.push(i);
        }
        chosen.push([i, j]);
      }
    }
  }
  const out = input.pick(order);
  const present = new Uint8Array(out.present.length);
  for (const [i, j] of chosen) present[rowOf[i] * s + j] = 1;
  return new Rows(s, out.labels, out.dropName, out.values, present);
}

/** countValues: per group and step, how many series have each value (the value becomes a label). */
function countValues(input: Rows, label: string, e: AggregateExpr): Rows {
  const s = input.steps;
  const index = new Map<string, number>();
  const labels: Labels[] = [];
  let counts = new Float64Array(0);
  for (let j = 0; j < s; j++) {
    for (let i = 0; i < input.count; i++) {
      const k = i * s + j;
      if (!input.present[k]) continue;
      const text = formatFloat(input.values[k]);
      const metric = input.labels[i].with(label, text);
      const gl = groupLabels(metric, e);
      const key = gl.key();
      let gi = index.get(key);
      if (gi === undefined) {
        gi = labels.length;
        index.set(key, gi);
        labels.push(gl);
        if ((gi + 1) * s > counts.length) {
          const grown = new Float64Array(Math.max((gi + 1) * s, counts.length * 2));
          grown.set(counts);
          counts = grown;
        }
      }
      counts[gi * s + j]++;
    }
  }
  const n = labels.length * s;
  const values = counts.slice(0, n);
  const present = new Uint8Array(n);
  for (let c = 0; c < n; c++) present[c] = values[c] > 0 ? 1 : 0;
  return new Rows(s, labels, new Uint8Array(labels.length), values, present);
}

/**
 * Aggregations over the grid: the group of each input series is computed once from its labels
 * (`by` keeps the listed labels, `without` drops them and the metric name), then every present
 * cell is folded into its group's cell. sum and avg use Kahan–Neumaier compensated sums, and avg
 * switches to an incremental mean once the sum overflows (Prometheus 3). topk, bottomk, limitk
 * and limit_ratio keep input series, chosen per step; count_values makes a series per value.
 */
import type { AggregateExpr } from '../ast.ts';
import { Labels, METRIC_NAME } from '../../model/labels.ts';
import { hashLabels } from '../../model/hash.ts';
import { isValidLabelName } from '../../model/validate.ts';
import { formatFloat } from '../parser/numbers.ts';
import { goFloat } from './annotations.ts';
import type { Evaluator } from './evaluator.ts';
import { QueryExecutionError } from './errors.ts';
import { Rows, type Grid } from './rows.ts';

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

/** evalAggregate evaluates an aggregation over g. */
export async function evalAggregate(ev: Evaluator, e: AggregateExpr, g: Grid): Promise<Rows> {
  if (e.op === 'count_values') {
    const label = await ev.string(e.param!, g);
    if (!isValidLabelName(label)) throw new QueryExecutionError(`invalid label name ${JSON.stringify(label)}`);
    return countValues(await ev.vector(e.expr, g), label, e);
  }
  const param = e.param ? await ev.scalar(e.param, g) : null;
  const input = await ev.vector(e.expr, g);
  switch (e.op) {
    case 'topk':
    case 'bottomk':
    case 'limitk':
    case 'limit_ratio':
      return selectK(ev, e, input, param!);
    case 'quantile':
      warnQuantile(ev, e, param!);
      return fold(e, input, param);
    default:
      return fold(e, input, null);
  }
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

/** fold: the aggregations that produce one series per group. */
function fold(e: AggregateExpr, input: Rows, param: Float64Array | null): Rows {
  const s = input.steps;
  const index = new Map<string, number>();
  const labels: Labels[] = [];
  const groupOf = new Int32Array(input.count);
  for (let i = 0; i < input.count; i++) {
    const gl = groupLabels(input.labels[i], e);
    const key = gl.key();
    let gi = index.get(key);
    if (gi === undefined) {
      gi = labels.length;
      index.set(key, gi);
      labels.push(gl);
    }
    groupOf[i] = gi;
  }
  const n = labels.length * s;
  const seen = new Uint8Array(n);
  const val = new Float64Array(n);
  const comp = new Float64Array(n);
  const cnt = new Float64Array(n);
  const mean = new Float64Array(n);
  const incMean = new Uint8Array(n);
  const dropName = new Uint8Array(labels.length);
  const lists: number[][] | null = e.op === 'quantile' ? new Array(n) : null;
  const op = e.op;
  for (let i = 0; i < input.count; i++) {
    const base = groupOf[i] * s;
    if (input.dropName[i]) dropName[groupOf[i]] = 1;
    if (op === 'sum' || op === 'count') {
      // The common cases, in a loop of their own (no per-cell dispatch or tuple).
      foldSumOrCount(op === 'sum', input, i * s, base, s, seen, val, comp, cnt);
      continue;
    }
    for (let j = 0; j < s; j++) {
      const k = i * s + j;
      if (!input.present[k]) continue;
      const f = input.values[k];
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
        case 'max':
          if (val[c] < f || Number.isNaN(val[c])) val[c] = f;
          break;
        case 'min':
          if (val[c] > f || Number.isNaN(val[c])) val[c] = f;
          break;
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
  }
  for (let c = 0; c < n; c++) {
    if (!seen[c]) continue;
    switch (op) {
      case 'sum':
        val[c] += comp[c];
        break;
      case 'avg':
        val[c] = incMean[c] ? mean[c] + comp[c] : val[c] / cnt[c] + comp[c] / cnt[c];
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
        val[c] = quantileOf(param![c % s], lists![c]);
        break;
    }
  }
  return new Rows(s, labels, dropName, val, seen);
}

/**
 * foldSumOrCount folds the `steps` cells of one input row (from index `row`) into the group's
 * cells (from `base`): a Kahan–Neumaier sum into val/comp (as kahanInc), or a count into cnt.
 */
function foldSumOrCount(
  sum: boolean, input: Rows, row: number, base: number, steps: number,
  seen: Uint8Array, val: Float64Array, comp: Float64Array, cnt: Float64Array,
): void {
  const present = input.present, values = input.values;
  for (let j = 0; j < steps; j++) {
    if (!present[row + j]) continue;
    const c = base + j;
    const f = values[row + j];
    if (!seen[c]) {
      seen[c] = 1;
      val[c] = f;
      cnt[c] = 1;
      continue;
    }
    if (!sum) {
      cnt[c]++;
      continue;
    }
    const acc = val[c];
    const t = acc + f;
    if (t === Infinity || t === -Infinity) comp[c] = 0;
    else if (Math.abs(acc) >= Math.abs(f)) comp[c] += acc - t + f;
    else comp[c] += f - t + acc;
    val[c] = t;
  }
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
  for (let i = 0; i < input.count; i++) {
    const key = groupLabels(input.labels[i], e).key();
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

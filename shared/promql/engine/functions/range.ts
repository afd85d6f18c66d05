/**
 * Functions over range vectors. Each runs as ONE WebAssembly kernel call over all series and
 * steps (BatchKernels.range); this file only reads the arguments, checks the scalar parameters,
 * names the result series and adds Prometheus' annotations. absent_over_time is count_over_time's
 * complement.
 */
import type { Call, Expr, MatrixSelector, SubqueryExpr } from '../../ast.ts';
import { Labels, METRIC_NAME } from '../../../model/labels.ts';
import type { RangeFunction, StepMatrix } from '../../../storage/interface.ts';
import type { KernelSpec } from '../../parallel/spec.ts';
import { goFloat } from '../annotations.ts';
import type { Evaluator } from '../evaluator.ts';
import { QueryExecutionError } from '../errors.ts';
import { Rows, type EvalValue, type Grid } from '../rows.ts';
import { loadRange, nameFlags, rangeRows, type RangeInput } from '../selectors.ts';
import { rowsStream, runEach, runKernel as runSlices, streamKernel, type RowStream } from '../sources.ts';
import { inOrder, vectorOf } from './helpers.ts';

type Impl = (ev: Evaluator, call: Call, g: Grid) => Promise<EvalValue>;

/** unwrapParens strips parentheses around an expression. */
export function unwrapParens(e: Expr): Expr {
  while (e.kind === 'ParenExpr') e = e.expr;
  return e;
}

function rangeArg(call: Call): { node: MatrixSelector | SubqueryExpr; index: number } {
  const index = call.func.argTypes.indexOf('matrix');
  const node = unwrapParens(call.args[index]);
  if (node.kind !== 'MatrixSelector' && node.kind !== 'SubqueryExpr') throw new Error(`BUG: ${call.func.name} got ${node.kind} for its range vector`);
  return { node, index };
}

/** runKernel loads the range argument and runs `fn` over it; null when nothing was selected. */
async function runKernel(ev: Evaluator, fn: RangeFunction, node: MatrixSelector | SubqueryExpr, g: Grid, params: Float64Array[]): Promise<{ m: StepMatrix; input: RangeInput } | null> {
  const input = await loadRange(ev.ctx, node, g, (x, ig) => ev.vector(x, ig));
  if (!input.source) return null;
  return { m: await runSlices(input.source, input.grid.steps, rangeKernel(fn, input, params)), input };
}

/** rangeKernel: the kernel call of `fn` over `input` (parameters cut to its grid). */
function rangeKernel(fn: RangeFunction, input: RangeInput, params: readonly Float64Array[]): KernelSpec {
  const p = params.map((a) => (a.length === input.grid.steps ? a : a.slice(0, input.grid.steps)));
  return { kind: 'range', fn, grid: input.grid, rangeMs: input.rangeMs, params: p };
}

const COUNTER_SUFFIXES = ['_total', '_sum', '_count', '_bucket'];

/** RangeCall: a call of a kernel function with its range argument and scalar parameters read. */
interface RangeCall {
  fn: RangeFunction;
  call: Call;
  node: MatrixSelector | SubqueryExpr;
  index: number;
  params: Float64Array[];
  /** keepName: the function keeps the metric name (last_over_time, first_over_time). */
  keepName: boolean;
}

async function readCall(ev: Evaluator, fn: RangeFunction, call: Call, g: Grid): Promise<RangeCall> {
  const { node, index } = rangeArg(call);
  const params = await inOrder(call.args.filter((_, k) => k !== index), (a) => ev.scalar(a, g));
  checkParams(ev, fn, call, params);
  return { fn, call, node, index, params, keepName: fn === 'last_over_time' || fn === 'first_over_time' };
}

/** counterInfo: Prometheus' note on rate or increase of a series not named like a counter. */
/** checksCounters: whether counterInfo looks at a call (rate and increase of a matrix selector). */
function checksCounters(rc: RangeCall): boolean {
  return (rc.fn === 'rate' || rc.fn === 'increase') && rc.node.kind === 'MatrixSelector';
}

function counterInfo(ev: Evaluator, rc: RangeCall, labels: readonly Labels[]): void {
  if (!checksCounters(rc)) return;
  let checked = '';
  for (const l of labels) {
    const name = l.metricName;
    if (name === checked) continue; // series come sorted: a name's series are neighbours
    checked = name;
    if (name !== '' && !COUNTER_SUFFIXES.some((s) => name.endsWith(s))) {
      ev.ctx.annotations.info(`metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${JSON.stringify(name)}`, rc.call.args[rc.index].pos);
    }
  }
}

function kernelFn(fn: RangeFunction): Impl {
  return async (ev, call, g) => {
    const rc = await readCall(ev, fn, call, g);
    return vectorOf(await rangeCallRows(ev, rc, await loadRange(ev.ctx, rc.node, g, (x, ig) => ev.vector(x, ig)), g));
  };
}

/** rangeCallRows: the call's kernel over the whole of `input`, as rows over g. */
async function rangeCallRows(ev: Evaluator, rc: RangeCall, input: RangeInput, g: Grid): Promise<Rows> {
  if (!input.source) return Rows.empty(g.steps);
  const rows = rangeRows(await runSlices(input.source, input.grid.steps, rangeKernel(rc.fn, input, rc.params)), input, !rc.keepName, g);
  counterInfo(ev, rc, rows.labels);
  return rows;
}

/**
 * streamRangeCall: a call of a kernel range function as a RowStream, its slices folded by the
 * caller as they come (selectors.ts); null for other calls. A call whose window is read at one
 * `@` time is evaluated whole, then streamed.
 */
export async function streamRangeCall(ev: Evaluator, call: Call, g: Grid): Promise<RowStream | null> {
  const fn = call.func.name as RangeFunction;
  if (!STREAMED.has(fn)) return null;
  const rc = await readCall(ev, fn, call, g);
  const input = await loadRange(ev.ctx, rc.node, g, (x, ig) => ev.vector(x, ig));
  if (!input.source || input.grid.steps !== g.steps) return rowsStream(await rangeCallRows(ev, rc, input, g));
  return {
    labels: input.labels,
    dropName: nameFlags(input, !rc.keepName),
    ...streamKernel(input.source, g.steps, rangeKernel(fn, input, rc.params)),
    after: checksCounters(rc) ? (live) => counterInfo(ev, rc, live) : undefined,
  };
}

function checkParams(ev: Evaluator, fn: RangeFunction, call: Call, params: Float64Array[]): void {
  if (fn === 'quantile_over_time') {
    const seen = new Set<number>();
    for (const q of params[0]) {
      if ((Number.isNaN(q) || q < 0 || q > 1) && !seen.has(q)) {
        seen.add(q);
        ev.ctx.annotations.warn(`quantile value should be between 0 and 1, got ${goFloat(q)}`, call.args[0].pos);
      }
    }
  }
  if (fn === 'double_exponential_smoothing') {
    for (const sf of params[0]) if (!(sf > 0 && sf < 1)) throw new QueryExecutionError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf.toFixed(6)}`);
    for (const tf of params[1]) if (!(tf > 0 && tf < 1)) throw new QueryExecutionError(`invalid trend factor. Expected: 0 < tf < 1, got: ${tf.toFixed(6)}`);
  }
}

/** absentLabels: the labels absent() gives its result, from the selector's equality matchers. */
export function absentLabels(e: Expr): Labels {
  const n = unwrapParens(e);
  const vs = n.kind === 'VectorSelector' ? n : n.kind === 'MatrixSelector' ? n.vector : null;
  if (!vs) return Labels.EMPTY;
  const set = new Map<string, string>();
  const dropped = new Set<string>();
  for (const m of vs.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !set.has(m.name) && !dropped.has(m.name)) set.set(m.name, m.value);
    else {
      set.delete(m.name);
      dropped.add(m.name);
    }
  }
  return Labels.fromPairs(set);
}

/** absentRows: one series valued 1 at the steps where `rows` has nothing. */
export function absentRows(rows: Rows | null, labels: Labels, g: Grid): Rows {
  const s = g.steps;
  const present = new Uint8Array(s);
  for (let j = 0; j < s; j++) {
    let any = false;
    if (rows) for (let i = 0; i < rows.count && !any; i++) any = rows.present[i * s + j] === 1;
    present[j] = any ? 0 : 1;
  }
  return new Rows(s, [labels], new Uint8Array(1), new Float64Array(s).fill(1), present).compact();
}

/**
 * predictLinear: Prometheus predicts from each evaluation time, whatever time `offset` or `@`
 * selected the window at. The kernel predicts from its own (selection) time, so the horizon is
 * lengthened by the distance between the two. Under `@` with several steps the window is one, so
 * the line is taken once — its value at the `@` time (horizon 0) and its slope (`deriv`) — and
 * extended to each step's horizon.
 */
const predictLinear: Impl = async (ev, call, g) => {
  const { node, index } = rangeArg(call);
  const horizon = await ev.scalar(call.args[1 - index], g);
  const input = await loadRange(ev.ctx, node, g, (x, ig) => ev.vector(x, ig));
  if (!input.source) return vectorOf(Rows.empty(g.steps));
  const kg = input.grid, s = g.steps;
  let m: StepMatrix;
  if (kg.steps === s) {
    const shift = (g.start - kg.start) / 1000; // offset: the same at every step
    m = await runSlices(input.source, kg.steps, rangeKernel('predict_linear', input, [horizon.map((h) => h + shift)]));
  } else {
    const zero = [new Float64Array(1)];
    // Two one-step columns side by side: the line's value at the `@` time, and its slope.
    const at = await runEach(input.source, 2, (batch, { matrix, row }) => {
      const line = batch.kernels.range('predict_linear', kg, input.rangeMs, zero);
      const slope = batch.kernels.range('deriv', kg, input.rangeMs);
      for (let i = 0; i < line.series; i++) {
        matrix.values[2 * (row + i)] = line.values[i];
        matrix.values[2 * (row + i) + 1] = slope.values[i];
        matrix.present[2 * (row + i)] = matrix.present[2 * (row + i) + 1] = line.present[i];
      }
    });
    const values = new Float64Array(at.series * s), present = new Uint8Array(at.series * s);
    for (let i = 0; i < at.series; i++) {
      for (let j = 0; j < s; j++) {
        const ahead = horizon[j] + (g.start + j * g.step - kg.start) / 1000;
        values[i * s + j] = at.values[2 * i] + at.values[2 * i + 1] * ahead;
        present[i * s + j] = at.present[2 * i];
      }
    }
    m = { series: at.series, steps: s, values, present };
  }
  return vectorOf(rangeRows(m, input, true, g));
};

const absentOverTime: Impl = async (ev, call, g) => {
  const { node } = rangeArg(call);
  const run = await runKernel(ev, 'count_over_time', node, g, []);
  const rows = run ? rangeRows(run.m, run.input, true, g) : null;
  return vectorOf(absentRows(rows, absentLabels(call.args[0]), g));
};

const KERNELS: readonly RangeFunction[] = [
  'rate', 'increase', 'delta', 'irate', 'idelta', 'resets', 'changes', 'deriv', 'predict_linear',
  'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time',
  'quantile_over_time', 'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'first_over_time',
  'present_over_time', 'mad_over_time', 'ts_of_min_over_time', 'ts_of_max_over_time',
  'ts_of_last_over_time', 'ts_of_first_over_time', 'double_exponential_smoothing',
];

/** PLAIN_KERNELS: the kernel functions evaluated as they are (predict_linear shifts its horizon). */
const PLAIN_KERNELS = KERNELS.filter((fn) => fn !== 'predict_linear');

/** STREAMED: the kernel functions streamRangeCall streams. */
const STREAMED: ReadonlySet<string> = new Set(PLAIN_KERNELS);

export const RANGE_FUNCTIONS: ReadonlyArray<[string, Impl]> = [
  ...PLAIN_KERNELS.map((fn): [string, Impl] => [fn, kernelFn(fn)]),
  ['predict_linear', predictLinear],
  ['absent_over_time', absentOverTime],
];

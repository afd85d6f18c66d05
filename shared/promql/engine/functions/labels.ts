/**
 * Functions over labels and order: label_replace, label_join (which may make two series share a
 * label set: they are merged, and a clash at one step is an error), sort, sort_desc,
 * sort_by_label and sort_by_label_desc (which order an instant query's result; a range query's
 * result is always ordered by labels).
 */
import type { Call } from '../../ast.ts';
import { Labels, METRIC_NAME } from '../../../model/labels.ts';
import { compileAnchored, RegexError } from '../../../model/regex.ts';
import { isValidLabelName } from '../../../model/validate.ts';
import type { Evaluator } from '../evaluator.ts';
import { QueryExecutionError } from '../errors.ts';
import { Rows, RowsBuilder, type EvalValue, type Grid } from '../rows.ts';
import { inOrder, vectorOf } from './helpers.ts';

type Impl = (ev: Evaluator, call: Call, g: Grid) => Promise<EvalValue>;

/** relabel gives every series new labels (and name flag), merging series that end up equal. */
export function relabel(rows: Rows, next: (l: Labels, i: number) => { labels: Labels; dropName: boolean }): Rows {
  const b = new RowsBuilder(rows.steps, rows.count);
  const s = rows.steps;
  for (let i = 0; i < rows.count; i++) {
    const n = next(rows.labels[i], i);
    const r = b.row(n.labels, n.dropName);
    for (let j = 0; j < s; j++) if (rows.present[i * s + j]) b.set(r, j, rows.values[i * s + j]);
  }
  return b.finish();
}

/** expand fills a Go regexp template ($1, ${1}, $name, ${name}, $$) from a match. */
export function expand(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    let end: number;
    if (template[i + 1] === '{') {
      const close = template.indexOf('}', i + 2);
      name = close < 0 ? '' : template.slice(i + 2, close);
      if (close < 0 || !/^[A-Za-z0-9_]+$/.test(name)) {
        out += c;
        continue;
      }
      end = close;
    } else {
      const mm = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (!mm) {
        out += c;
        continue;
      }
      name = mm[0];
      end = i + name.length;
    }
    if (/^\d+$/.test(name)) out += m[Number(name)] ?? '';
    else out += m.groups?.[name] ?? '';
    i = end;
  }
  return out;
}

const labelReplace: Impl = async (ev, call, g) => {
  const dst = await ev.string(call.args[1], g);
  const repl = await ev.string(call.args[2], g);
  const src = await ev.string(call.args[3], g);
  const reStr = await ev.string(call.args[4], g);
  let re: RegExp;
  try {
    re = compileAnchored(reStr);
  } catch (e) {
    if (e instanceof RegexError) throw new QueryExecutionError(`invalid regular expression in label_replace(): ${reStr}`, { cause: e });
    throw e;
  }
  if (!isValidLabelName(dst)) throw new QueryExecutionError(`invalid destination label name in label_replace(): ${dst}`);
  const rows = await ev.vector(call.args[0], g);
  return vectorOf(relabel(rows, (l, i) => {
    const m = re.exec(l.get(src));
    if (!m) return { labels: l, dropName: rows.dropName[i] === 1 };
    return { labels: l.with(dst, expand(repl, m)), dropName: dst === METRIC_NAME ? false : rows.dropName[i] === 1 };
  }));
};

const labelJoin: Impl = async (ev, call, g) => {
  const dst = await ev.string(call.args[1], g);
  const sep = await ev.string(call.args[2], g);
  const srcs = await inOrder(call.args.slice(3), (a) => ev.string(a, g));
  for (const s of srcs) if (!isValidLabelName(s)) throw new QueryExecutionError(`invalid source label name in label_join(): ${s}`);
  if (!isValidLabelName(dst)) throw new QueryExecutionError(`invalid destination label name in label_join(): ${dst}`);
  const rows = await ev.vector(call.args[0], g);
  return vectorOf(relabel(rows, (l, i) => ({
    labels: l.with(dst, srcs.map((s) => l.get(s)).join(sep)),
    dropName: dst === METRIC_NAME ? false : rows.dropName[i] === 1,
  })));
};

/** byValue orders the series of a one-step result by value, NaN last. */
function sortImpl(desc: boolean): Impl {
  return async (ev, call, g) => {
    const rows = await ev.vector(call.args[0], g);
    if (ev.ctx.step > 0) ev.ctx.annotations.warn('sort is ineffective for range queries since results are always ordered by labels', call.pos);
    if (g.steps !== 1) return vectorOf(rows);
    const idx = [...rows.labels.keys()];
    idx.sort((a, b) => {
      const x = rows.values[a], y = rows.values[b];
      if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
      if (Number.isNaN(y)) return -1;
      return desc ? y - x : x - y;
    });
    return vectorOf(rows.pick(idx));
  };
}

/** natLess compares strings naturally: runs of digits by number, the rest by code point. */
export function natCompare(a: string, b: string): number {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [], pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i], y = pb[i];
    if (x === y) continue;
    const dx = /^\d/.test(x), dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = x.replace(/^0+/, ''), ny = y.replace(/^0+/, '');
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return nx < ny ? -1 : 1;
      if (x.length !== y.length) return x.length - y.length;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

function sortByLabel(desc: boolean): Impl {
  return async (ev, call, g) => {
    const rows = await ev.vector(call.args[0], g);
    const names = await inOrder(call.args.slice(1), (a) => ev.string(a, g));
    const idx = [...rows.labels.keys()];
    const sign = desc ? -1 : 1;
    idx.sort((a, b) => {
      for (const n of names) {
        const x = rows.labels[a].get(n), y = rows.labels[b].get(n);
        if (x === y) continue;
        return sign * natCompare(x, y);
      }
      return sign * rows.labels[a].compare(rows.labels[b]);
    });
    return vectorOf(rows.pick(idx));
  };
}

export const LABEL_FUNCTIONS: ReadonlyArray<[string, Impl]> = [
  ['label_replace', labelReplace],
  ['label_join', labelJoin],
  ['sort', sortImpl(false)],
  ['sort_desc', sortImpl(true)],
  ['sort_by_label', sortByLabel(false)],
  ['sort_by_label_desc', sortByLabel(true)],
];

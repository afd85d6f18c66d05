/**
 * Annotations: the non-fatal warnings and infos an evaluation reports beside its result, worded
 * as Prometheus words them and ended by the position of the node they concern, `(line:col)`.
 * Duplicates are kept once, in the order first reported.
 */
import type { PosRange } from '../ast.ts';
import { positionText } from '../parser/errors.ts';

const WARN = 'PromQL warning: ';
const INFO = 'PromQL info: ';

export class Annotations {
  readonly #query: string;
  readonly #warnings = new Set<string>();
  readonly #infos = new Set<string>();

  constructor(query: string) {
    this.#query = query;
  }

  /** warn adds a warning (text without the `PromQL warning: ` prefix) about the node at `pos`. */
  warn(text: string, pos: PosRange): void {
    this.#warnings.add(this.#format(WARN + text, pos));
  }

  /** info adds an info (text without the `PromQL info: ` prefix) about the node at `pos`. */
  info(text: string, pos: PosRange): void {
    this.#infos.add(this.#format(INFO + text, pos));
  }

  get warnings(): string[] {
    return [...this.#warnings];
  }

  get infos(): string[] {
    return [...this.#infos];
  }

  #format(text: string, pos: PosRange): string {
    return this.#query === '' ? text : `${text} (${positionText(this.#query, pos.start)})`;
  }
}

/** goFloat formats a number as Go's `%g` does (shortest digits, exponent beyond 1e21 or below 1e-4). */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 21) {
    const [m, e] = v.toExponential().split('e');
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(v);
}

/**
 * Request parameters of the Prometheus HTTP API: read from the query string and, for form-encoded
 * POSTs, the body, as Prometheus accepts both. Times are RFC 3339 or Unix seconds (fractions allowed);
 * durations are Prometheus durations or seconds. Every bad value is an ApiError of type bad_data
 * naming the parameter.
 */
import type { Context } from 'hono';
import { ApiError } from './respond.ts';

/**
 * The earliest and latest times Prometheus substitutes for an absent start/end, in ms: the int64
 * second range less the seconds between year 1 and 1970, so that they still format as RFC 3339.
 */
export const MIN_TIME = (-9223372036854775 + 62135596801) * 1000;
export const MAX_TIME = (9223372036854775 - 62135596801) * 1000;

/** Params: every value of every parameter of one request. */
export class Params {
  constructor(private readonly values: Map<string, string[]>) {}

  /** Params.read collects the query string and, for a form-encoded POST, the form body. */
  static async read(c: Context): Promise<Params> {
    const values = new Map<string, string[]>();
    const add = (k: string, v: string) => {
      const list = values.get(k);
      if (list) list.push(v);
      else values.set(k, [v]);
    };
    // The query string alone, without parsing the whole URL (a request's URL is already valid).
    const url = c.req.url;
    const q = url.indexOf('?');
    if (q >= 0) {
      const hash = url.indexOf('#', q);
      for (const [k, v] of new URLSearchParams(url.slice(q + 1, hash < 0 ? url.length : hash))) add(k, v);
    }
    if (c.req.method === 'POST') {
      const type = c.req.header('content-type') ?? '';
      if (type.startsWith('application/x-www-form-urlencoded')) {
        for (const [k, v] of new URLSearchParams(await c.req.text())) add(k, v);
      } else if (type !== '') {
        throw new ApiError('bad_data', `unsupported content type ${JSON.stringify(type)}: send application/x-www-form-urlencoded`);
      }
    }
    return new Params(values);
  }

  get(name: string): string | undefined {
    return this.values.get(name)?.at(-1);
  }

  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  /** time reads a time parameter in ms; `fallback` when absent. */
  time(name: string, fallback: number): number {
    const raw = this.get(name);
    if (raw === undefined || raw === '') return fallback;
    const ms = parseTime(raw);
    if (ms === undefined) throw new ApiError('bad_data', `invalid parameter "${name}": cannot parse ${JSON.stringify(raw)} to a valid timestamp`);
    return ms;
  }

  /** int reads a non-negative integer parameter; `fallback` when absent. */
  nonNegativeInt(name: string, fallback: number): number {
    const raw = this.get(name);
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw)) throw new ApiError('bad_data', `invalid parameter "${name}": ${JSON.stringify(raw)} is not a non-negative integer`);
    return Number(raw);
  }
}

/** parseTime parses Unix seconds (with fraction) or RFC 3339 into ms; undefined when neither. */
export function parseTime(raw: string): number | undefined {
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(raw)) {
    const s = Number(raw);
    if (!Number.isFinite(s)) return undefined;
    // Round to ms as Prometheus does, clamping to its representable range.
    return Math.min(MAX_TIME, Math.max(MIN_TIME, Math.round(s * 1000)));
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) {
    const ms = Date.parse(raw);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

// The byte writer of query results against the string renderers it replaced: formatValueExact
// against the properties that define Go's FormatFloat(v, 'f', -1, 64), formatValue's fast path
// against formatValueExact over random and edge-case floats, and whole results (whose times and
// values go through TextCaches) against a reference rendered point by point with formatValueExact
// and formatTime.
import { describe, expect, it } from 'vitest';
import { Labels } from '../../shared/model/labels.ts';
import type { QueryValue } from '../../shared/promql/engine/index.ts';
import { formatTime, formatValue, formatValueExact } from '../../shared/api/format-value.ts';
import { JsonWriter } from '../../shared/api/json-writer.ts';
import { resultJSON, resultSize, writeResult, writeResultParts } from '../../shared/api/result-json.ts';
import { mulberryRng as rng } from '../core-wasm/helpers.ts';
import { points, seriesOf } from '../support/query-value.ts';

const next = (v: number) => {
  const f = new Float64Array([v]);
  const u = new BigUint64Array(f.buffer);
  u[0] += v >= 0 ? 1n : -1n;
  return f[0];
};
const prev = (v: number) => -next(-v);

const EDGES = [
  0, -0, NaN, Infinity, -Infinity, 1, -1, 0.1, 1 / 3, 2 / 3, 123.456, -7.25,
  5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE,
  1e21, prev(1e21), next(1e21), -1e21, 1e-6, prev(1e-6), next(1e-6), -1e-6, 1e-7, -1e-7, 1.25e-7, 1e-5,
  2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, 9007199254740993, 123456789012345680000,
  1e15, 1e16, 1e17, 1.7976931348623157e308, 0.30000000000000004, 1e300, 1e-300,
];

function randomFloats(n: number, seed: number): number[] {
  const r = rng(seed);
  const out: number[] = [];
  const bits = new Uint32Array(2);
  const f = new Float64Array(bits.buffer);
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0: // any bit pattern: denormals, huge and tiny exponents, NaNs
        bits[0] = (r() * 2 ** 32) >>> 0;
        bits[1] = (r() * 2 ** 32) >>> 0;
        out.push(f[0]);
        break;
      case 1: // the magnitudes samples have, around the fast path's bounds
        out.push((r() < 0.5 ? -1 : 1) * r() * 10 ** Math.floor(r() * 44 - 22));
        break;
      case 2: // integers, some above 2^53
        out.push(Math.floor(r() * 2 ** Math.floor(r() * 70)));
        break;
      default: // rates: counts over a window
        out.push(Math.floor(r() * 10000) / (1 + Math.floor(r() * 600)));
    }
  }
  return out;
}

/** significant: a decimal text's significant digits (`-0.00150` → `15`, `1.5e-7` → `15`). */
const significant = (s: string) => s.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');

describe('formatValueExact', () => {
  it("prints Go's 'f' format: no exponent, the shortest digits that read back as the same float", () => {
    const bad: Array<[number, string]> = [];
    for (const v of [...EDGES, ...randomFloats(100_000, 3)]) {
      const s = formatValueExact(v);
      const ok =
        v !== v ? s === 'NaN'
        : !Number.isFinite(v) ? s === (v > 0 ? '+Inf' : '-Inf')
        // Shortest: JavaScript's String prints the fewest digits that round-trip, as Go does.
        : /^-?\d+(\.\d+)?$/.test(s) && Object.is(Number(s), v) && significant(s) === significant(String(v));
      if (!ok) bad.push([v, s]);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});

describe('formatValue', () => {
  it('prints every edge case as formatValueExact does', () => {
    for (const v of EDGES) expect([v, formatValue(v)]).toEqual([v, formatValueExact(v)]);
  });

  it('prints 200,000 random floats as formatValueExact does', () => {
    const bad: Array<[number, string, string]> = [];
    for (const v of randomFloats(200_000, 42)) {
      const got = formatValue(v);
      if (got !== formatValueExact(v)) bad.push([v, got, formatValueExact(v)]);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('never writes an exponent', () => {
    for (const v of [...EDGES, ...randomFloats(20_000, 7)]) expect(formatValue(v)).toMatch(/^(NaN|[+-]Inf|-?\d+(\.\d+)?)$/);
  });
});

/** reference renders a value the way the API did before the writer: point by point, as strings. */
function reference(v: QueryValue, extra = ''): string {
  const tail = extra ? `,${extra}}` : '}';
  const metric = (l: Labels) => JSON.stringify(l.toObject());
  const pair = (t: number, f: number) => `[${formatTime(t)},"${formatValueExact(f)}"]`;
  switch (v.resultType) {
    case 'scalar':
      return `{"resultType":"scalar","result":${pair(v.t, v.f)}${tail}`;
    case 'string':
      return `{"resultType":"string","result":[${formatTime(v.t)},${JSON.stringify(v.value)}]${tail}`;
    case 'vector':
      return `{"resultType":"vector","result":[${v.samples.map((s) => `{"metric":${metric(s.metric)},"value":${pair(s.t, s.f)}}`).join(',')}]${tail}`;
    case 'matrix':
      return `{"resultType":"matrix","result":[${v.series.map((s) => `{"metric":${metric(s.metric)},"values":[${points(s).map((p) => pair(p.t, p.f)).join(',')}]}`).join(',')}]${tail}`;
  }
}

describe('writeResult', () => {
  const floats = randomFloats(4000, 99);
  const labels = [
    Labels.from({ __name__: 'http_requests_total', job: 'api', handler: '/api/v1/query' }),
    Labels.from({ __name__: 'x', city: 'Zürich', quote: 'say "hi"\n', emoji: '🚀' }),
    Labels.EMPTY,
    Labels.from({ a: '<&>', b: '\u2028\u0000' }),
  ];
  const cases: Array<[string, QueryValue, string?]> = [
    ['a scalar', { resultType: 'scalar', t: 1_795_247_820_000, f: 1e-7 }],
    ['a scalar at a fractional time', { resultType: 'scalar', t: 1_795_247_820_123.5, f: -0 }],
    ['a string', { resultType: 'string', t: -1500, value: 'Grüße "x"' }],
    ['an empty vector', { resultType: 'vector', samples: [] }],
    ['an empty matrix', { resultType: 'matrix', series: [] }],
    ['a vector', { resultType: 'vector', samples: labels.map((metric, i) => ({ metric, t: 1_795_247_820_000 + (i % 2), f: floats[i] })) }],
    ['a vector with stats', { resultType: 'vector', samples: [{ metric: labels[0], t: 0, f: NaN }] }, '"stats":{"a":1}'],
    [
      // Series on different grids, with gaps, so step times are found and inserted out of order.
      'a matrix of series with gaps and shifted steps',
      {
        resultType: 'matrix',
        series: labels.map((metric, i) =>
          seriesOf(metric, Array.from({ length: 1000 }, (_, k) => ({ t: 1_795_244_220_000 + k * 15_000 * (1 + (i % 2)) + i * 7, f: floats[i * 1000 + k] }))
            .filter((_, k) => (k * (i + 3)) % 7 !== 0)),
        ),
      },
    ],
    ['a matrix of one point', { resultType: 'matrix', series: [seriesOf(labels[1], [{ t: 1000, f: Infinity }])] }],
    [
      // Values of every kind, repeating (so most come from the caches), at times with fractional
      // milliseconds, before and after 1970.
      'a wide matrix at fractional times',
      {
        resultType: 'matrix',
        series: Array.from({ length: 40 }, (_, i) =>
          seriesOf(Labels.from({ __name__: 'm', i: String(i) }),
            Array.from({ length: 500 }, (_, k) => ({ t: (i % 2 ? -1 : 1) * (1_795_244_220_000.25 + k * 15_000.5 + i / 8), f: floats[(i * 7 + k) % 600] }))),
        ),
      },
    ],
    [
      // More distinct values than the value cache keeps (16,384): the rest are formatted each time.
      'a matrix of 40,000 distinct values, twice',
      {
        resultType: 'matrix',
        series: [0, 1].map((i) => seriesOf(Labels.from({ i: String(i) }), randomFloats(40_000, 11).map((f, k) => ({ t: k * 1000.125, f })))),
      },
    ],
  ];
  for (const [name, value, extra] of cases) {
    it(`renders ${name} as the point-by-point reference does`, () => {
      expect(resultJSON(value, extra)).toBe(reference(value, extra));
      expect(() => JSON.parse(resultJSON(value, extra))).not.toThrow();
    });
  }

  it('writes the same bytes in parts, pausing only once a part is full', () => {
    for (const part of [1, 97, 4096]) {
      for (const [name, value, extra] of cases) {
        const w = new JsonWriter(16);
        const parts: Buffer[] = [];
        for (const _ of writeResultParts(w, value, extra ?? '', part)) parts.push(w.take(16));
        parts.push(w.bytes());
        expect(Buffer.concat(parts).toString('utf8'), `${name} in parts of ${part}`).toBe(reference(value, extra));
        for (const p of parts.slice(0, -1)) expect(p.length).toBeGreaterThanOrEqual(part);
        if (part === 97 && reference(value, extra).length > 1000) expect(parts.length).toBeGreaterThan(10);
      }
    }
  });

  it('grows the buffer when the estimate is short, keeping what was written', () => {
    const [, value] = cases[7];
    const w = new JsonWriter(1);
    w.ascii('{"data":');
    writeResult(w, value);
    w.raw('}');
    expect(w.bytes().toString('utf8')).toBe(`{"data":${reference(value)}}`);
    expect(resultSize(value)).toBeGreaterThan(w.length / 2);
  });
});

/**
 * Exposition parser throughput: samples/s and ns/sample (median of several runs) on the
 * textparse corpus and on a synthetic 10k-series page from ../shared/bench/gen/model.js.
 * "scan" is the scrape hot path with a warm series cache: next(), value, timestamp and the
 * raw series text as cache key, no label parsing. "labels" also parses every label set (a
 * cold cache). "strict" is OpenMetrics with every family rule checked.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenMetricsParser } from '../../shared/exposition/openmetrics-parser.ts';
import { TextParser } from '../../shared/exposition/text-parser.ts';
import type { ExpositionParser } from '../../shared/exposition/types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const SHARED = resolve(here, '../../../shared');
const RUNS = 7;
const MIN_RUN_MS = 60;

type Mode = 'scan' | 'labels' | 'strict';

/** parseOnce drains one page; returns the number of samples (and folds values into sink). */
function parseOnce(make: () => ExpositionParser, mode: Mode, sink: { v: number }): number {
  const p = make();
  let n = 0;
  let acc = 0;
  for (let k = p.next(); k !== 'eof'; k = p.next()) {
    if (k !== 'series') continue;
    n++;
    acc += p.series().length + (p.timestamp === p.timestamp ? 1 : 0);
    if (mode === 'labels') acc += p.labels().size;
    acc += p.value === p.value ? 1 : 0;
  }
  sink.v += acc;
  return n;
}

function measure(make: () => ExpositionParser, mode: Mode): { nsPerSample: number; samples: number } {
  const sink = { v: 0 };
  const samples = parseOnce(make, mode, sink);
  for (let i = 0; i < 20; i++) parseOnce(make, mode, sink); // warm up the JIT
  const perRun: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let iters = 0;
    const t0 = process.hrtime.bigint();
    let elapsed = 0;
    do {
      parseOnce(make, mode, sink);
      iters++;
      elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
    } while (elapsed < MIN_RUN_MS);
    perRun.push((elapsed * 1e6) / (iters * samples));
  }
  perRun.sort((a, b) => a - b);
  if (sink.v === 0) throw new Error('BUG: benchmark sink stayed empty');
  return { nsPerSample: perRun[RUNS >> 1], samples };
}

function measureBaseline(page: string, samples: number): number {
  const pass = (): number => {
    let n = 0;
    for (let i = 0; i < page.length; i++) if (page.charCodeAt(i) === 34) n++;
    return n;
  };
  let sink = 0;
  for (let i = 0; i < 5; i++) sink += pass();
  const perRun: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    sink += pass();
    perRun.push(Number(process.hrtime.bigint() - t0) / samples);
  }
  if (sink === 0) throw new Error('BUG: baseline sink stayed empty');
  perRun.sort((a, b) => a - b);
  return perRun[RUNS >> 1];
}

function syntheticPage(): string {
  const require = createRequire(import.meta.url);
  const model = require(resolve(SHARED, 'bench/gen/model.js')) as {
    Target: new (o: { handlers: number; seed: number }) => { render(): string };
    SERIES_PER_HANDLER: number;
  };
  return new model.Target({ handlers: Math.round(10_000 / model.SERIES_PER_HANDLER), seed: 42 }).render();
}

export default async function run(): Promise<void> {
  const corpus = (f: string) => readFileSync(resolve(SHARED, 'conformance/textparse/testdata', f), 'utf8');
  const synthetic = syntheticPage();
  const syntheticOm = synthetic + '# EOF\n';
  const cases: [string, () => ExpositionParser, Mode][] = [];
  const text237 = corpus('alltypes.237mfs.prom.txt');
  const om5 = corpus('alltypes.5mfs.om.txt');
  const om1 = corpus('1histogram.om.txt');
  for (const mode of ['scan', 'labels'] as const) {
    cases.push([`textparse alltypes.237mfs.prom.txt (text)`, () => new TextParser(text237), mode]);
    cases.push([`textparse alltypes.5mfs.om.txt (OpenMetrics)`, () => new OpenMetricsParser(om5), mode]);
    cases.push([`synthetic 10k-series page (text)`, () => new TextParser(synthetic), mode]);
    cases.push([`synthetic 10k-series page (OpenMetrics syntax)`, () => new OpenMetricsParser(syntheticOm), mode]);
  }
  cases.push([`textparse 1histogram.om.txt (OpenMetrics)`, () => new OpenMetricsParser(om1, { strict: true }), 'strict']);
  console.log('| input | mode | samples/page | ns/sample | samples/s |');
  console.log('|---|---|---:|---:|---:|');
  for (const [name, make, mode] of cases) {
    const { nsPerSample, samples } = measure(make, mode);
    console.log(`| ${name} | ${mode} | ${samples} | ${nsPerSample.toFixed(0)} | ${(1e9 / nsPerSample / 1e6).toFixed(2)} M |`);
  }
  // Baseline: one charCodeAt pass over the synthetic page, to read the figures above against
  // this machine's speed and load at the time of the run.
  const base = measureBaseline(synthetic, 10010);
  console.log(`| synthetic 10k-series page | baseline: one charCodeAt pass, no parsing | 10010 | ${base.toFixed(0)} | ${(1e9 / base / 1e6).toFixed(2)} M |`);
  console.log(`\nmedian of ${RUNS} runs of ≥${MIN_RUN_MS} ms each; scan = next()+value+timestamp+series() (warm cache), labels = + labels() per sample`);
}

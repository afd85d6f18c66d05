/**
 * Exposition parser throughput: ns/sample and samples/s (median of several runs) on the
 * textparse corpus and on a synthetic 10k-series page from ../shared/bench/gen/model.js, read
 * from UTF-8 bytes as a scrape reads them. "known" is the scrape hot path with a warm series
 * cache: nextKnownSeries with the series of the page read before (the line's bytes compared,
 * not scanned), value and timestamp. "scan" is next(), value, timestamp and the series text as
 * bytes (seriesKey): a page whose series the cache must look up. "scan (string)" is the same
 * from a string. "labels" also parses every label set (a cold cache). "strict" is OpenMetrics
 * with every family rule checked. "scrape cache" is ScrapeCache.appendPage on a page it read
 * before (series and metadata lines compared, not parsed) into an appender that keeps nothing. Each run is timed on the wall clock and in CPU time of the
 * process: on a shared, loaded machine the CPU figure is the steadier one.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenMetricsParser } from '../../shared/exposition/openmetrics-parser.ts';
import { TextParser } from '../../shared/exposition/text-parser.ts';
import type { ByteSpan, ExpositionParser } from '../../shared/exposition/types.ts';
import { Labels } from '../../shared/model/labels.ts';
import type { Appender } from '../../shared/storage/interface.ts';
import { ScrapeCache } from '../../edge/scrape/page.ts';

const here = dirname(fileURLToPath(import.meta.url));
const SHARED = resolve(here, '../../../shared');
const RUNS = 7;
const MIN_RUN_MS = 60;

type Mode = 'known' | 'scan' | 'scan (string)' | 'labels' | 'strict';

/** Known: the series texts of a page in page order, as the scrape cache holds them. */
interface Known {
  arena: Uint8Array;
  start: Int32Array;
  end: Int32Array;
}

/** knownOf reads a page once and keeps its series texts that seriesKey offers for nextKnownSeries. */
function knownOf(p: ExpositionParser): Known {
  const keys: Uint8Array[] = [];
  const span: ByteSpan = { bytes: new Uint8Array(0), start: 0, end: 0 };
  for (let k = p.next(); k !== 'eof'; k = p.next()) {
    if (k !== 'series') continue;
    keys.push(p.seriesKey(span) ? span.bytes.slice(span.start, span.end) : new Uint8Array(0));
  }
  const arena = new Uint8Array(keys.reduce((a, k) => a + k.length, 0));
  const start = new Int32Array(keys.length), end = new Int32Array(keys.length);
  let at = 0;
  keys.forEach((k, i) => {
    arena.set(k, at);
    start[i] = at;
    end[i] = at += k.length;
  });
  return { arena, start, end };
}

const span: ByteSpan = { bytes: new Uint8Array(0), start: 0, end: 0 };

/** parseOnce drains one page; returns the number of samples (and folds values into sink). */
function parseOnce(make: () => ExpositionParser, mode: Mode, sink: { v: number }, known?: Known): number {
  const p = make();
  let n = 0;
  let acc = 0;
  for (;;) {
    if (known && n < known.start.length && known.end[n] > known.start[n] && p.nextKnownSeries(known.arena, known.start[n], known.end[n])) {
      // The scrape cache's fast path: nothing but the value and timestamp to read.
    } else {
      const k = p.next();
      if (k === 'eof') break;
      if (k !== 'series') continue;
      if (mode === 'labels') acc += p.labels().size;
      else if (mode === 'scan (string)') acc += p.series().length;
      else {
        p.seriesKey(span);
        acc += span.end - span.start;
      }
    }
    n++;
    acc += p.timestamp === p.timestamp ? 1 : 0;
    acc += p.value === p.value ? 1 : 0;
  }
  sink.v += acc;
  return n;
}

/** Figures: median ns/sample on the wall clock and in process CPU time. */
interface Figures {
  wallNs: number;
  cpuNs: number;
}

/** timeRuns calls `work` (which returns the samples it covered) for RUNS runs of ≥ MIN_RUN_MS. */
function timeRuns(work: () => number): Figures {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let samples = 0;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let elapsed = 0;
    do {
      samples += work();
      elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
    } while (elapsed < MIN_RUN_MS);
    const c = process.cpuUsage(c0);
    wall.push((elapsed * 1e6) / samples);
    cpu.push(((c.user + c.system) * 1e3) / samples);
  }
  return { wallNs: median(wall), cpuNs: median(cpu) };
}

function median(xs: number[]): number {
  xs.sort((a, b) => a - b);
  return xs[xs.length >> 1];
}

function measure(make: () => ExpositionParser, mode: Mode): Figures & { samples: number } {
  const sink = { v: 0 };
  const known = mode === 'known' ? knownOf(make()) : undefined;
  const samples = parseOnce(make, mode, sink, known);
  for (let i = 0; i < 20; i++) parseOnce(make, mode, sink, known); // warm up the JIT
  const f = timeRuns(() => parseOnce(make, mode, sink, known));
  if (sink.v === 0) throw new Error('BUG: benchmark sink stayed empty');
  return { ...f, samples };
}

/** measureCache times ScrapeCache.appendPage over `page`, read once before (a warm cache). */
function measureCache(page: Buffer): Figures & { samples: number } {
  let next = 1;
  let sink = 0;
  const app: Appender = {
    append: (ref, _labels, _t, v) => {
      sink += v === v ? 1 : 0;
      return ref || next++;
    },
    commit: () => ({ appended: 0, errors: [] }),
    rollback: () => {},
  };
  const opts = { targetLabels: Labels.from({ job: 'bench', instance: 'h:9100' }), honorLabels: false, honorTimestamps: true, metricRelabel: [], sampleLimit: 0 };
  const cache = new ScrapeCache();
  const once = () => cache.appendPage(app, new TextParser(page), 1000, opts).scraped;
  const samples = once();
  for (let i = 0; i < 20; i++) once();
  const f = timeRuns(once);
  if (sink === 0) throw new Error('BUG: benchmark sink stayed empty');
  return { ...f, samples };
}

function measureBaseline(page: string, samples: number): Figures {
  const pass = (): number => {
    let n = 0;
    for (let i = 0; i < page.length; i++) if (page.charCodeAt(i) === 34) n++;
    return n;
  };
  let sink = 0;
  for (let i = 0; i < 20; i++) sink += pass();
  const f = timeRuns(() => {
    sink += pass();
    return samples;
  });
  if (sink === 0) throw new Error('BUG: baseline sink stayed empty');
  return f;
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
  const corpus = (f: string) => readFileSync(resolve(SHARED, 'conformance/textparse/testdata', f));
  const syntheticText = syntheticPage();
  const synthetic = Buffer.from(syntheticText, 'utf8');
  const syntheticOm = Buffer.from(syntheticText + '# EOF\n', 'utf8');
  const cases: [string, () => ExpositionParser, Mode][] = [];
  const text237 = corpus('alltypes.237mfs.prom.txt');
  const om5 = corpus('alltypes.5mfs.om.txt');
  const om1 = corpus('1histogram.om.txt').toString('utf8');
  for (const mode of ['known', 'scan', 'labels'] as const) {
    cases.push([`textparse alltypes.237mfs.prom.txt (text)`, () => new TextParser(text237), mode]);
    cases.push([`textparse alltypes.5mfs.om.txt (OpenMetrics)`, () => new OpenMetricsParser(om5), mode]);
    cases.push([`synthetic 10k-series page (text)`, () => new TextParser(synthetic), mode]);
    cases.push([`synthetic 10k-series page (OpenMetrics syntax)`, () => new OpenMetricsParser(syntheticOm), mode]);
  }
  // The same page handed over as a string (the regular-expression fast path).
  const syntheticString = Buffer.from(syntheticText, 'utf8').toString('utf8');
  cases.push([`synthetic 10k-series page (text), as a string`, () => new TextParser(syntheticString), 'scan (string)']);
  cases.push([`textparse 1histogram.om.txt (OpenMetrics)`, () => new OpenMetricsParser(om1, { strict: true }), 'strict']);
  const row = (name: string, mode: string, samples: number, f: Figures): void => {
    console.log(`| ${name} | ${mode} | ${samples} | ${f.wallNs.toFixed(0)} | ${f.cpuNs.toFixed(0)} | ${(1e3 / f.cpuNs).toFixed(2)} M |`);
  };
  console.log('| input | mode | samples/page | ns/sample (wall) | ns/sample (CPU) | samples/s (CPU) |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const [name, make, mode] of cases) {
    const { samples, ...f } = measure(make, mode);
    row(name, mode, samples, f);
  }
  for (const [name, page] of [['textparse alltypes.237mfs.prom.txt (text)', text237], ['synthetic 10k-series page (text)', synthetic]] as const) {
    const { samples, ...f } = measureCache(page);
    row(name, 'scrape cache', samples, f);
  }
  // Baseline: one charCodeAt pass over the synthetic page, to read the figures above against
  // this machine's speed and load at the time of the run.
  row('synthetic 10k-series page', 'baseline: one charCodeAt pass, no parsing', 10010, measureBaseline(syntheticString, 10010));
  console.log(`\nmedian of ${RUNS} runs of ≥${MIN_RUN_MS} ms each; known = nextKnownSeries+value+timestamp (warm cache), scan = next()+value+timestamp+seriesKey(), labels = next()+value+timestamp+labels() per sample`);
}

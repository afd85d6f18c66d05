/**
 * Test helpers for the exposition parsers: drain a parser into plain records so tables can
 * compare whole outcomes, and capture the error message of a rejected input.
 */
import type { ExpositionParser } from '../../shared/exposition/types.ts';

/** Entry: one parsed entry as plain data. */
export type Entry =
  | { kind: 'series'; series: string; labels: Record<string, string>; value: number; timestamp: number; exemplar?: { labels: Record<string, string>; value: number; timestamp: number } }
  | { kind: 'type'; name: string; type: string }
  | { kind: 'help'; name: string; help: string }
  | { kind: 'unit'; name: string; unit: string }
  | { kind: 'comment'; text: string };

/** drain reads a parser to the end. */
export function drain(p: ExpositionParser): Entry[] {
  const out: Entry[] = [];
  for (let k = p.next(); k !== 'eof'; k = p.next()) {
    switch (k) {
      case 'series': {
        const e: Entry = { kind: 'series', series: p.series(), labels: p.labels().toObject(), value: p.value, timestamp: p.timestamp };
        const ex = p.exemplar();
        if (ex) e.exemplar = { labels: ex.labels.toObject(), value: ex.value, timestamp: ex.timestamp };
        out.push(e);
        break;
      }
      case 'type':
        out.push({ kind: 'type', name: p.metricName(), type: p.type() });
        break;
      case 'help':
        out.push({ kind: 'help', name: p.metricName(), help: p.help() });
        break;
      case 'unit':
        out.push({ kind: 'unit', name: p.metricName(), unit: p.unit() });
        break;
      case 'comment':
        out.push({ kind: 'comment', text: p.comment() });
        break;
    }
  }
  return out;
}

/** errorOf returns the message fn throws, or 'no error'. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}

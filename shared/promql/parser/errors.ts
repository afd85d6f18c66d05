/**
 * ParseError: the one error the PromQL parser throws. It carries every problem found (the first
 * one is the headline), each with its span in the query, and formats like Prometheus:
 * `1:5: parse error: unexpected end of input`. Columns count UTF-8 bytes, as Prometheus does.
 */
import type { PosRange } from '../ast.ts';

/** ParseProblem: one problem, with its span (UTF-16 offsets) and message without position. */
export interface ParseProblem {
  pos: PosRange;
  message: string;
}

/** positionText renders an offset of `query` as `line:col` (1-based, column in UTF-8 bytes). */
export function positionText(query: string, offset: number, lineOffset = 0): string {
  if (query === '') return 'unknown position';
  if (offset < 0 || offset > query.length) return 'invalid position';
  const before = query.slice(0, offset);
  const lastNl = before.lastIndexOf('\n');
  let line = lineOffset + 1;
  for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 10) line++;
  const col = Buffer.byteLength(before.slice(lastNl + 1), 'utf8') + 1;
  return `${line}:${col}`;
}

export class ParseError extends Error {
  readonly query: string;
  readonly problems: readonly ParseProblem[];

  constructor(query: string, problems: readonly ParseProblem[]) {
    if (problems.length === 0) throw new Error('BUG: ParseError without problems');
    const first = problems[0];
    super(`${positionText(query, first.pos.start)}: parse error: ${first.message}`);
    this.name = 'ParseError';
    this.query = query;
    this.problems = problems;
  }

  /** pos: the span of the first problem. */
  get pos(): PosRange {
    return this.problems[0].pos;
  }

  /** detail: the first problem's message without the position prefix. */
  get detail(): string {
    return this.problems[0].message;
  }
}

/**
 * DurationError: a duration expression (`foo[5m + step()]`, `offset (1h * 2)`) whose value for
 * one query, worked out from the query's step and range before evaluation as Prometheus does, is
 * not a usable duration: NaN or infinite, zero or negative for a range or a subquery step,
 * outside Go's time.Duration, or a division or modulo by zero. It is a ParseError (the query is
 * bad for these parameters, so the HTTP API answers bad_data, as Prometheus does) whose message
 * is `line:col: problem` without the "parse error" of syntax errors.
 */
export class DurationError extends ParseError {
  constructor(query: string, problem: ParseProblem) {
    super(query, [problem]);
    this.name = 'DurationError';
    this.message = `${positionText(query, problem.pos.start)}: ${problem.message}`;
  }
}

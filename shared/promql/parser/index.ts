/**
 * The PromQL parser's public surface: parse a query (parseExpr) or a series selector
 * (parseMetricSelector), the ParseError they throw, and the literal helpers other parts of
 * Outpost reuse (durations as Prometheus writes them, Go-style quoting).
 */
export { parseExpr, parseMetricSelector, type ParseOptions } from './parser.ts';
export { DurationError, ParseError, positionText, type ParseProblem } from './errors.ts';
export { parseDuration, formatDuration, parseNumber, formatFloat, DurationSyntaxError, NumberSyntaxError } from './numbers.ts';
export { goQuote, isValidUtf8, unquote, UnquoteError } from './gostr.ts';

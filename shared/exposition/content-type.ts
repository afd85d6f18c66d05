/**
 * Format negotiation for scraping: the `Accept` header Prometheus 3 sends (OpenMetrics first,
 * then the text format, each with a q-value), and the choice of parser from a response's
 * `Content-Type`, falling back to the text format when the target sends none, as Prometheus
 * does with its fallback scrape protocol.
 */
import { OpenMetricsParser, type OpenMetricsParserOptions } from './openmetrics-parser.ts';
import { TextParser } from './text-parser.ts';
import type { ExpositionFormat, ExpositionParser } from './types.ts';

export type { ExpositionFormat } from './types.ts';

/** ScrapeProtocol: Prometheus' names for the protocols a scrape may ask for, in its config spelling. */
export type ScrapeProtocol = 'OpenMetricsText1.0.0' | 'OpenMetricsText0.0.1' | 'PrometheusText1.0.0' | 'PrometheusText0.0.4';

/** The media type of each protocol, as Prometheus writes it in the Accept header. */
export const SCRAPE_PROTOCOL_HEADERS: Readonly<Record<ScrapeProtocol, string>> = {
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
};

/** DEFAULT_SCRAPE_PROTOCOLS: Prometheus 3's default `scrape_protocols`, preferred first. */
export const DEFAULT_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  'OpenMetricsText1.0.0',
  'OpenMetricsText0.0.1',
  'PrometheusText1.0.0',
  'PrometheusText0.0.4',
];

/** Content types for writers. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Prometheus counts five protocols (protobuf included) when it numbers the q-values, so the
 * first protocol gets q=0.6 whatever the list; we keep its numbering for identical headers.
 */
const PROMETHEUS_PROTOCOL_COUNT = 5;

/**
 * acceptHeader builds the Accept header for a scrape: each protocol in order of preference
 * with a falling q-value, the 1.0.0 versions with `escaping=<scheme>` (Prometheus 3 sends
 * `allow-utf-8`), then `*\/*` lowest.
 */
export function acceptHeader(protocols: readonly ScrapeProtocol[] = DEFAULT_SCRAPE_PROTOCOLS, escaping = 'allow-utf-8'): string {
  if (protocols.length > PROMETHEUS_PROTOCOL_COUNT) throw new Error(`BUG: ${protocols.length} scrape protocols given, at most ${PROMETHEUS_PROTOCOL_COUNT} exist`);
  let weight = PROMETHEUS_PROTOCOL_COUNT + 1;
  const parts: string[] = [];
  for (const p of protocols) {
    const header = SCRAPE_PROTOCOL_HEADERS[p];
    if (header === undefined) throw new Error(`BUG: unknown scrape protocol ${JSON.stringify(p)}`);
    const esc = p === 'OpenMetricsText1.0.0' || p === 'PrometheusText1.0.0' ? `;escaping=${escaping}` : '';
    parts.push(`${header}${esc};q=0.${weight}`);
    weight--;
  }
  parts.push(`*/*;q=0.${weight}`);
  return parts.join(',');
}

/** UnsupportedContentTypeError: the response's Content-Type names no format Outpost can parse. */
export class UnsupportedContentTypeError extends Error {
  readonly contentType: string;
  constructor(contentType: string, why: string) {
    super(`unsupported Content-Type ${JSON.stringify(contentType)}: ${why}`);
    this.name = 'UnsupportedContentTypeError';
    this.contentType = contentType;
  }
}

/** FormatOptions: `fallback` is used for a blank or unparseable Content-Type (default 'text'). */
export interface FormatOptions {
  fallback?: ExpositionFormat;
}

/**
 * formatFromContentType picks the format of a response. A blank or malformed header gives the
 * fallback ('text' unless told otherwise); a well-formed type that is neither OpenMetrics nor
 * `text/plain` throws UnsupportedContentTypeError, unless a fallback was given explicitly.
 */
export function formatFromContentType(contentType: string | null | undefined, opts: FormatOptions = {}): ExpositionFormat {
  const ct = (contentType ?? '').trim();
  if (ct === '') return opts.fallback ?? 'text';
  const mediaType = ct.split(';', 1)[0].trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(mediaType)) return opts.fallback ?? 'text';
  if (mediaType === 'application/openmetrics-text') return 'openmetrics';
  if (mediaType === 'text/plain') return 'text';
  if (opts.fallback !== undefined) return opts.fallback;
  if (mediaType === 'application/vnd.google.protobuf') {
    throw new UnsupportedContentTypeError(ct, 'the protobuf exposition format is not supported; the target should honour the Accept header');
  }
  throw new UnsupportedContentTypeError(ct, 'expected application/openmetrics-text or text/plain');
}

/**
 * newParser creates the parser for `format` over `text`: a whole page as a string, or its UTF-8
 * bytes, which the parser reads where they lie (borrowed until parsing ends; see ParserBase).
 */
export function newParser(format: ExpositionFormat, text: string | Uint8Array, opts: OpenMetricsParserOptions = {}): ExpositionParser {
  return format === 'openmetrics' ? new OpenMetricsParser(text, opts) : new TextParser(text);
}

/** parserForContentType picks the parser from a Content-Type (see formatFromContentType and newParser). */
export function parserForContentType(contentType: string | null | undefined, text: string | Uint8Array, opts: FormatOptions & OpenMetricsParserOptions = {}): ExpositionParser {
  return newParser(formatFromContentType(contentType, opts), text, opts);
}

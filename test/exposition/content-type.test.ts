import { describe, expect, it } from 'vitest';
import { acceptHeader, formatFromContentType, parserForContentType, UnsupportedContentTypeError } from '../../shared/exposition/content-type.ts';
import { OpenMetricsParser } from '../../shared/exposition/openmetrics-parser.ts';
import { TextParser } from '../../shared/exposition/text-parser.ts';
import { errorOf } from './helpers.ts';

describe('acceptHeader', () => {
  it('matches what Prometheus 3 sends by default', () => {
    expect(acceptHeader()).toBe(
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,' +
        'application/openmetrics-text;version=0.0.1;q=0.5,' +
        'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,' +
        'text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    );
  });
  it('follows the configured protocols', () => {
    expect(acceptHeader(['PrometheusText0.0.4'], 'underscores')).toBe('text/plain;version=0.0.4;q=0.6,*/*;q=0.5');
  });
});

describe('formatFromContentType', () => {
  const table: [string | undefined, string][] = [
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['Application/OpenMetrics-Text;version=0.0.1', 'openmetrics'],
    ['text/plain; version=0.0.4; charset=utf-8', 'text'],
    ['text/plain', 'text'],
    ['', 'text'],
    [undefined, 'text'],
    ['garbage', 'text'],
  ];
  it.each(table)('%j → %s', (ct, want) => {
    expect(formatFromContentType(ct)).toBe(want);
  });

  it('rejects unknown types with a clear error, unless a fallback is given', () => {
    expect(errorOf(() => formatFromContentType('application/json'))).toBe(
      'unsupported Content-Type "application/json": expected application/openmetrics-text or text/plain',
    );
    expect(() => formatFromContentType('application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily')).toThrow(UnsupportedContentTypeError);
    expect(formatFromContentType('application/json', { fallback: 'openmetrics' })).toBe('openmetrics');
  });

  it('builds the matching parser', () => {
    expect(parserForContentType('application/openmetrics-text', '# EOF\n')).toBeInstanceOf(OpenMetricsParser);
    expect(parserForContentType(null, 'a 1\n')).toBeInstanceOf(TextParser);
  });
});

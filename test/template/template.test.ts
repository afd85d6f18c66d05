import { describe, expect, it } from 'vitest';
import { Labels } from '../../shared/model/labels.ts';
import {
  checkAlertTemplate, compileAlertTemplate, expandAlertTemplate, TemplateExecError, TemplateSyntaxError,
  type TemplateQuery,
} from '../../shared/template/index.ts';

const query: TemplateQuery = async (expr, t) => {
  if (expr === 'up') {
    return [
      { labels: Labels.from({ __name__: 'up', instance: 'b:9100', job: 'node' }), value: 1 },
      { labels: Labels.from({ __name__: 'up', instance: 'a:9100', job: 'node' }), value: 0 },
    ];
  }
  if (expr === 'time()') return [{ labels: Labels.EMPTY, value: t / 1000 }];
  if (expr === 'bad') throw new Error('1:1: parse error: boom');
  return [];
};

async function render(text: string, value = 1.5, labels: Record<string, string> = { instance: 'host.example.com:9100', job: 'node' }): Promise<string> {
  const tmpl = compileAlertTemplate('__alert_Test', text);
  return expandAlertTemplate(tmpl, { labels: Labels.from(labels), externalLabels: Labels.from({ dc: 'eu1' }), externalURL: 'http://prom.example.com/prometheus', value }, { time: 1_700_000_000_000, query });
}

/** check renders each case and compares with Go text/template's output. */
function check(cases: [string, string, number?][]): void {
  for (const [text, want, value] of cases) {
    it(JSON.stringify(text), async () => {
      expect(await render(text, value)).toBe(want);
    });
  }
}

describe('template: actions, variables and control', () => {
  check([
    ['plain text', 'plain text'],
    ['{{ $labels.instance }} is down', 'host.example.com:9100 is down'],
    ['{{ .Labels.job }}/{{ $labels.missing }}/', 'node//'],
    ['{{ $value }}', '1.5'],
    ['{{ $value }}', '1e+06', 1e6],
    ['{{ $value }}', '123456', 123456],
    ['{{ $externalLabels.dc }} {{ $externalURL }}', 'eu1 http://prom.example.com/prometheus'],
    ['{{ if gt $value 1.0 }}high{{ else }}low{{ end }}', 'high'],
    ['{{ if gt $value 2.0 }}high{{ else if gt $value 1.0 }}mid{{ else }}low{{ end }}', 'mid'],
    ['{{ with $labels.job }}job={{ . }}{{ end }}', 'job=node'],
    ['{{ with $labels.nope }}x{{ else }}none{{ end }}', 'none'],
    ['{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}', 'instance=host.example.com:9100;job=node;'],
    ['{{ range $i, $e := query "up" }}{{ $i }}:{{ $e.Labels.instance }} {{ end }}', '0:b:9100 1:a:9100 '],
    ['{{ range query "nothing" }}x{{ else }}empty{{ end }}', 'empty'],
    ['{{ range $i, $e := query "up" }}{{ if eq $i 1 }}{{ break }}{{ end }}{{ $i }}{{ end }}', '0'],
    ['{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}', '2'],
    ['a  {{- " b " -}}  c', 'a b c'],
    ['{{/* comment */}}x{{- /* trimmed */ -}} y', 'xy'],
    ['{{ and 1 0 }} {{ or 0 "" "z" }} {{ not false }}', '0 z true'],
    ['{{ len "héllo" }} {{ index $labels "job" }} {{ slice "abcdef" 1 3 }}', '6 node bc'],
    ['{{ print 1 2 "a" 3 }}', '1 2a3'],
    ['{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" "x" }}', '[x]'],
    ['{{ eq "a" "b" "a" }} {{ ne 1 2 }} {{ le 2 2 }} {{ lt "a" "b" }} {{ ge 1.5 2.5 }}', 'true true true true false'],
    ['{{ html "<a href=\'x\'>" }} {{ urlquery "a b&c" }} {{ js "it\'s" }}', "&lt;a href=&#39;x&#39;&gt; a+b%26c it\\'s"],
    ['{{ `raw\\n` }}', 'raw\\n'],
    ['{{ $.Labels.job }}', 'node'],
  ]);
});

describe('template: printf', () => {
  check([
    ['{{ printf "%.2f" $value }}', '1.50'],
    ['{{ $value | printf "%.1f%%" }}', '1.5%'],
    ['{{ printf "%d items" 3 }}', '3 items'],
    ['{{ printf "%d" $value }}', '%!d(float64=1.5)'],
    ['{{ printf "%s=%q" "a" "b\\"c" }}', 'a="b\\"c"'],
    ['{{ printf "%5.1f|%-5s|%05d|%x|%e" 3.14159 "ab" 42 255 1234.5678 }}', '  3.1|ab   |00042|ff|1.234568e+03'],
    ['{{ printf "%g %g %g" 100000.0 1e21 0.00001 }}', '100000 1e+21 1e-05'],
    ['{{ printf "%v %T %t" $labels.job 1 true }}', 'node int true'],
    ['{{ printf "%s" }}', '%!s(MISSING)'],
    ['{{ printf "x" 1 }}', 'x%!(EXTRA int=1)'],
  ]);
});

describe('template: Prometheus functions', () => {
  check([
    ['{{ humanize 1234567.0 }} {{ humanize 0.00012 }} {{ humanize 0 }} {{ humanize 999 }}', '1.235M 120u 0 999'],
    ['{{ humanize "2048" }} {{ humanize1024 2048.0 }} {{ humanize1024 1 }}', '2.048k 2ki 1'],
    ['{{ humanizeDuration 90061.0 }} {{ humanizeDuration 3700 }} {{ humanizeDuration 61.5 }} {{ humanizeDuration 1.2345 }} {{ humanizeDuration 0.002 }} {{ humanizeDuration 0 }}', '1d 1h 1m 1s 1h 1m 40s 1m 1s 1.234s 2ms 0s'],
    ['{{ humanizePercentage 0.1234 }} {{ humanizeTimestamp 1435065584.128 }}', '12.34% 2015-06-23 13:19:44.128 +0000 UTC'],
    ['{{ toTime 1435065584 }} {{ parseDuration "1h30m" }} {{ toDuration 90 }}', '2015-06-23 13:19:44 +0000 UTC 5400 1m30s'],
    ['{{ title "hello world-wide" }} {{ toUpper "abc" }} {{ toLower "ABC" }}', 'Hello World-Wide ABC abc'],
    ['{{ match "^host" $labels.instance }} {{ reReplaceAll "(.*):(\\\\d+)" "$1 port ${2}" $labels.instance }}', 'true host.example.com port 9100'],
    ['{{ stripPort $labels.instance }} {{ stripDomain $labels.instance }} {{ stripDomain "10.0.0.1:80" }} {{ stripPort "[::1]:80" }}', 'host.example.com host:9100 10.0.0.1:80 ::1'],
    ['{{ with query "up" }}{{ . | first | value }} {{ . | first | label "instance" }}{{ end }}', '1 b:9100'],
    ['{{ range sortByLabel "instance" (query "up") }}{{ .Labels.instance }} {{ end }}', 'a:9100 b:9100 '],
    ['{{ query "time()" | first | value }}', '1.7e+09'],
    ['{{ graphLink "up == 0" }} {{ tableLink "up" }}', '/graph?g0.expr=up+%3D%3D+0&g0.tab=0 /graph?g0.expr=up&g0.tab=1'],
    ['{{ urlQueryEscape "a/b c" }} {{ pathPrefix }} {{ externalURL }}', 'a%2Fb+c /prometheus http://prom.example.com/prometheus'],
    ['{{ with args 1 "x" }}{{ .arg0 }} {{ .arg1 }} {{ .arg2 }}{{ end }}', '1 x <no value>'],
    ['{{ safeHtml "<b>" }} {{ now }}', '<b> 1.7e+09'],
  ]);
});

describe('template: errors', () => {
  const parseCases: [string, string][] = [
    ['{{ nope 1 }}', 'template: __alert_Test:1: function "nope" not defined'],
    ['{{ if true }}x', 'unexpected EOF'],
    ['{{ end }}', 'unexpected {{end}}'],
    ['{{ $undef }}', 'undefined variable "$undef"'],
    ['line1\n{{ "unterminated }}', 'template: __alert_Test:2: unterminated quoted string'],
    ['{{ .Labels', 'unclosed action'],
    ['{{ break }}', '{{break}} outside {{range}}'],
  ];
  for (const [text, msg] of parseCases) {
    it(`parse ${JSON.stringify(text)}`, () => {
      expect(() => checkAlertTemplate('__alert_Test', text)).toThrow(TemplateSyntaxError);
      expect(() => checkAlertTemplate('__alert_Test', text)).toThrow(msg);
    });
  }
  const execCases: [string, string][] = [
    ['{{ .Nope }}', "can't evaluate field Nope in type"],
    ['{{ gt $value 1 }}', 'error calling gt: incompatible types for comparison'],
    ['{{ query "nothing" | first }}', 'error calling first: first() called on vector with no elements'],
    ['{{ query "bad" }}', 'error calling query: 1:1: parse error: boom'],
    ['{{ humanize "abc" }}', 'error calling humanize: strconv.ParseFloat'],
    ['{{ reReplaceAll "(" "" "x" }}', 'error calling reReplaceAll: error parsing regexp'],
  ];
  for (const [text, msg] of execCases) {
    it(`exec ${JSON.stringify(text)}`, async () => {
      const err = await render(text).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TemplateExecError);
      expect((err as Error).message).toContain(msg);
      expect((err as Error).message).toMatch(/^template: __alert_Test:1:\d+: executing "__alert_Test" at </);
    });
  }
});

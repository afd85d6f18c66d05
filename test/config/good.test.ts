import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig, DEFAULT_SCRAPE_PROTOCOLS, DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS } from '../../shared/config/index.ts';
import { Labels } from '../../shared/model/labels.ts';
import { relabel } from '../../shared/relabel/index.ts';

const GOOD = join(resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/config'), 'good');

const NO_TLS = { caFile: '', certFile: '', keyFile: '', ca: '', cert: '', key: '', serverName: '', insecureSkipVerify: false, minVersion: '', maxVersion: '' };
const DEFAULT_HTTP = { basicAuth: null, authorization: null, tlsConfig: NO_TLS, proxyUrl: '', noProxy: '', proxyFromEnvironment: false, followRedirects: true, enableHttp2: true };

describe('defaults', () => {
  it('an empty file has every default', async () => {
    const c = await loadConfigFile(join(GOOD, 'empty.yml'));
    expect(c.global).toEqual({
      scrapeInterval: 60_000, scrapeTimeout: 10_000, scrapeProtocols: null, evaluationInterval: 60_000,
      ruleQueryOffset: 0, queryLogFile: '', scrapeFailureLogFile: '', externalLabels: Labels.EMPTY,
      bodySizeLimit: 0, sampleLimit: 0, targetLimit: 0, labelLimit: 0, labelNameLengthLimit: 0,
      labelValueLengthLimit: 0, keepDroppedTargets: 0, metricNameValidationScheme: 'utf8', metricNameEscapingScheme: '',
      scrapeNativeHistograms: false, convertClassicHistogramsToNhcb: false, alwaysScrapeClassicHistograms: false,
      extraScrapeMetrics: false,
    });
    expect(c.scrapeConfigs).toEqual([]);
    expect(c.ruleFiles).toEqual([]);
    expect(c.alerting).toEqual({ alertRelabelConfigs: [], alertmanagers: [] });
    expect(c.remoteWrite).toEqual([]);
    expect(c.remoteRead).toEqual([]);
    expect(c.storage).toEqual({ tsdb: { outOfOrderTimeWindow: 0, retention: { time: 0, size: 0, percentage: 0 } }, exemplars: { maxExemplars: 100_000 } });
    expect(c.sections).toEqual({});
  });

  it('empty sections and a minimal job take every default', async () => {
    const c = await loadConfigFile(join(GOOD, 'defaults.yml'));
    expect(c.global.scrapeInterval).toBe(60_000);
    expect(c.scrapeConfigs).toHaveLength(1);
    const sc = c.scrapeConfigs[0];
    expect(sc).toEqual({
      jobName: 'minimal', honorLabels: false, honorTimestamps: true, trackTimestampsStaleness: false,
      params: new Map(), scrapeInterval: 60_000, scrapeTimeout: 10_000, scrapeProtocols: DEFAULT_SCRAPE_PROTOCOLS,
      fallbackScrapeProtocol: null, scrapeNativeHistograms: false, alwaysScrapeClassicHistograms: false,
      convertClassicHistogramsToNhcb: false, scrapeFailureLogFile: '', metricsPath: '/metrics', scheme: 'http',
      enableCompression: true, bodySizeLimit: 0, sampleLimit: 0, targetLimit: 0, labelLimit: 0,
      labelNameLengthLimit: 0, labelValueLengthLimit: 0, nativeHistogramBucketLimit: 0,
      nativeHistogramMinBucketFactor: 0, keepDroppedTargets: 0, metricNameValidationScheme: 'utf8',
      metricNameEscapingScheme: 'allow-utf-8', extraScrapeMetrics: false, httpClient: DEFAULT_HTTP,
      staticConfigs: [], fileSdConfigs: [], httpSdConfigs: [], dnsSdConfigs: [], relabelConfigs: [], metricRelabelConfigs: [],
    });
    const am = c.alerting.alertmanagers[0];
    expect(am).toMatchObject({ scheme: 'http', pathPrefix: '', timeout: 10_000, apiVersion: 'v2', httpClient: DEFAULT_HTTP, relabelConfigs: [], alertRelabelConfigs: [] });
    expect(am.staticConfigs).toEqual([{ targets: ['localhost:9093'], labels: Labels.EMPTY }]);
    expect(c.remoteWrite[0]).toEqual({
      url: 'http://localhost:9009/push', remoteTimeout: 30_000, headers: new Map(), writeRelabelConfigs: [], name: '',
      sendExemplars: false, sendNativeHistograms: false, roundRobinDns: false, protobufMessage: 'prometheus.WriteRequest',
      httpClient: { ...DEFAULT_HTTP, enableHttp2: false },
      queueConfig: { capacity: 10_000, maxShards: 50, minShards: 1, maxSamplesPerSend: 2000, batchSendDeadline: 5000, minBackoff: 30, maxBackoff: 5000, retryOnRateLimit: false, sampleAgeLimit: 0 },
      metadataConfig: { send: true, sendInterval: 60_000, maxSamplesPerSend: 2000 },
    });
    expect(c.remoteRead[0]).toEqual({
      url: 'http://localhost:9009/read', remoteTimeout: 60_000, chunkedReadLimit: 50_000_000, headers: new Map(),
      readRecent: false, name: '', httpClient: DEFAULT_HTTP, requiredMatchers: new Map(), filterExternalLabels: true,
    });
  });

  it('global values flow into jobs', () => {
    const c = parseConfig(`
global: {scrape_interval: 5s, sample_limit: 10, label_limit: 3, body_size_limit: 1MB, scrape_native_histograms: true}
scrape_configs:
  - job_name: a
  - job_name: b
    scrape_interval: 20s
    sample_limit: 7
`, 'x.yml');
    const [a, b] = c.scrapeConfigs;
    expect([a.scrapeInterval, a.scrapeTimeout, a.sampleLimit, a.labelLimit, a.bodySizeLimit]).toEqual([5000, 5000, 10, 3, 1 << 20]);
    expect([b.scrapeInterval, b.scrapeTimeout, b.sampleLimit]).toEqual([20_000, 5000, 7]);
    expect(a.scrapeProtocols).toEqual(DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS);
  });

  it('a legacy job escapes with underscores', () => {
    const c = parseConfig('scrape_configs: [{job_name: a, metric_name_validation_scheme: legacy}]', 'x.yml');
    expect(c.scrapeConfigs[0].metricNameEscapingScheme).toBe('underscores');
  });
});

describe('full.yml', async () => {
  const c = await loadConfigFile(join(GOOD, 'full.yml'), { env: { REPLICA: 'r1' } });
  const [node, api] = c.scrapeConfigs;

  it('reads the global section and expands environment variables', () => {
    expect(c.global).toMatchObject({
      scrapeInterval: 15_000, scrapeTimeout: 5000, evaluationInterval: 30_000, ruleQueryOffset: 60_000,
      queryLogFile: join(GOOD, 'logs/query.log'), scrapeProtocols: ['PrometheusText0.0.4', 'OpenMetricsText1.0.0'],
      bodySizeLimit: 10 << 20, sampleLimit: 1000, labelLimit: 30, labelNameLengthLimit: 200,
      labelValueLengthLimit: 2048, targetLimit: 50, keepDroppedTargets: 10,
    });
    expect(c.global.externalLabels.toObject()).toEqual({ region: 'eu-west', replica: 'r1', cost: '$5' });
  });

  it('resolves relative paths against the config directory', () => {
    expect(c.ruleFiles).toEqual([join(GOOD, 'rules/*.yml'), '/etc/outpost/alerts.yml']);
    expect(node.httpClient.basicAuth).toEqual({ username: 'prom', usernameFile: '', password: '', passwordFile: join(GOOD, 'secrets/pass') });
    expect(node.httpClient.tlsConfig).toMatchObject({ caFile: join(GOOD, 'tls/ca.pem'), certFile: '/abs/cert.pem', keyFile: join(GOOD, 'tls/key.pem'), serverName: 'node.internal', insecureSkipVerify: true });
    expect(node.fileSdConfigs).toEqual([{ files: [join(GOOD, 'targets/*.json'), join(GOOD, 'more/x.yml')], refreshInterval: 30_000 }]);
    expect(api.httpClient.authorization).toEqual({ type: 'Bearer', credentials: '', credentialsFile: join(GOOD, 'secrets/token') });
    expect(c.sections.hub).toEqual({ url: 'wss://hub.example.org:9090', token: '', tokenFile: join(GOOD, 'secrets/hub.token'), tlsConfig: { ...NO_TLS, caFile: join(GOOD, 'tls/hub-ca.pem') } });
  });

  it('reads a scrape job', () => {
    expect(node).toMatchObject({
      jobName: 'node', honorLabels: true, honorTimestamps: false, trackTimestampsStaleness: true, scheme: 'https',
      metricsPath: '/probe', scrapeInterval: 60_000, scrapeTimeout: 5000, sampleLimit: 5, bodySizeLimit: 1536, labelLimit: 30,
    });
    expect(node.params).toEqual(new Map([['module', ['http_2xx', 'tcp']]]));
    expect(node.staticConfigs).toEqual([{ targets: ['host-a:9100', 'host-b:9100'], labels: Labels.from({ env: 'prod' }) }]);
    expect(node.dnsSdConfigs).toEqual([
      { names: ['_prom._tcp.example.org'], type: 'SRV', port: 0, refreshInterval: 30_000 },
      { names: ['db.example.org'], type: 'A', port: 9187, refreshInterval: 30_000 },
    ]);
    expect(api.httpSdConfigs[0]).toMatchObject({ url: 'https://sd.example.org/targets', refreshInterval: 120_000, httpClient: { authorization: { type: 'Token', credentials: 'abc', credentialsFile: '' } } });
  });

  it('compiles relabel rules that work', () => {
    const target = Labels.from({ __address__: 'host-a:9100', __meta_zone: 'z1' });
    expect(relabel(target, node.relabelConfigs)?.toObject()).toEqual({ __address__: 'host-a:9100', __meta_zone: 'z1', host: 'host-a', zone: 'z1' });
    expect(relabel(Labels.from({ __name__: 'go_gc' }), node.metricRelabelConfigs)).toBeNull();
    expect(relabel(Labels.from({ a: '1', replica: 'x' }), c.alerting.alertRelabelConfigs)?.toObject()).toEqual({ a: '1' });
  });

  it('reads alerting, remote storage, storage and Outpost sections', () => {
    expect(c.alerting.alertmanagers[0]).toMatchObject({ scheme: 'https', pathPrefix: '/am', timeout: 5000, apiVersion: 'v2' });
    expect(c.remoteWrite[0]).toMatchObject({ name: 'mimir', headers: new Map([['X-Scope-OrgID', 'tenant-1']]), protobufMessage: 'io.prometheus.write.v2.Request', queueConfig: { maxShards: 10, capacity: 500, minShards: 1 } });
    expect(c.remoteWrite[0].writeRelabelConfigs).toHaveLength(1);
    expect(c.remoteRead[0]).toMatchObject({ url: 'http://thanos:10901/api/v1/read', readRecent: true, requiredMatchers: new Map([['cluster', 'a']]) });
    expect(c.storage.tsdb).toEqual({ outOfOrderTimeWindow: 30 * 60_000, retention: { time: 90 * 86_400_000, size: 1.5 * 2 ** 30, percentage: 0 } });
    expect(c.sections.edges).toEqual({ tokens: [
      { name: 'edge-a', token: 's3cret-a', tokenFile: '' },
      { name: 'edge-b', token: '', tokenFile: '/run/edge-b.token' },
    ] });
  });
});

describe('anchors.yml', () => {
  it('applies merge keys, explicit keys winning', async () => {
    const c = await loadConfigFile(join(GOOD, 'anchors.yml'));
    expect(c.scrapeConfigs.map((s) => [s.jobName, s.scrapeInterval, s.scrapeTimeout, s.staticConfigs[0].targets])).toEqual([
      ['one', 30_000, 3000, ['a:1']], ['two', 30_000, 20_000, ['a:1']],
    ]);
  });
});

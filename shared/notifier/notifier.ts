/**
 * The Alertmanager notifier: alerts from the rule manager get the external labels (where they
 * lack them) and `alert_relabel_configs`, wait in a bounded queue (the oldest are dropped when it
 * is full, and counted), and are posted in batches to every Alertmanager of
 * `alerting.alertmanagers` (`POST <scheme>://<target><path_prefix>/api/v2/alerts`), each with
 * its own `alert_relabel_configs` and timeout. A failed send is counted and not retried: the rule
 * manager re-sends active alerts on its own schedule (resend delay), as in Prometheus.
 */
import { readFileSync } from 'node:fs';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AlertingConfig, AlertmanagerConfig } from '../config/index.ts';
import { Labels } from '../model/labels.ts';
import { relabel } from '../relabel/index.ts';
import { toPostable, type NotifierAlert } from './alert.ts';

/** NotifierOptions for Notifier. */
export interface NotifierOptions {
  alerting: AlertingConfig;
  externalLabels?: Labels;
  /** Registry for the notifier's metrics (prometheus_notifications_*). */
  registry: Registry;
  /** Queue capacity in alerts (--alertmanager.notification-queue-capacity); default 10000. */
  queueCapacity?: number;
  /** Alerts per POST; default 256. */
  maxBatchSize?: number;
  /** warn receives send failures; default console.warn. */
  warn?: (msg: string) => void;
}

interface Target {
  url: string;
  config: AlertmanagerConfig;
}

export class Notifier {
  readonly #opts: Required<Omit<NotifierOptions, 'externalLabels'>> & { externalLabels: Labels };
  #queue: NotifierAlert[] = [];
  #targets: Target[];
  #wake: (() => void) | null = null;
  #stopped = false;
  #loop: Promise<void>;
  readonly #dropped: Counter;
  readonly #errors: Counter<'alertmanager'>;
  readonly #sent: Counter<'alertmanager'>;
  readonly #queueLength: Gauge;

  constructor(opts: NotifierOptions) {
    this.#opts = { queueCapacity: 10_000, maxBatchSize: 256, warn: (m) => console.warn(m), externalLabels: Labels.EMPTY, ...opts };
    if (this.#opts.queueCapacity < 1) throw new Error(`BUG: notifier queue capacity ${this.#opts.queueCapacity}`);
    const r = opts.registry;
    this.#dropped = new Counter({ name: 'prometheus_notifications_dropped_total', help: 'Total number of alerts dropped due to errors when sending to Alertmanager.', registers: [r] });
    this.#errors = new Counter({ name: 'prometheus_notifications_errors_total', help: 'Total number of sent alerts affected by errors.', labelNames: ['alertmanager'], registers: [r] });
    this.#sent = new Counter({ name: 'prometheus_notifications_sent_total', help: 'Total number of alerts sent.', labelNames: ['alertmanager'], registers: [r] });
    this.#queueLength = new Gauge({ name: 'prometheus_notifications_queue_length', help: 'The number of alert notifications in the queue.', registers: [r] });
    new Gauge({ name: 'prometheus_notifications_queue_capacity', help: 'The capacity of the alert notifications queue.', registers: [r] }).set(this.#opts.queueCapacity);
    this.#targets = targetsOf(opts.alerting);
    new Gauge({ name: 'prometheus_notifications_alertmanagers_discovered', help: 'The number of alertmanagers discovered and active.', registers: [r] }).set(this.#targets.length);
    this.#loop = this.#run();
  }

  /** alertmanagers: the URLs alerts are posted to. */
  alertmanagers(): string[] {
    return this.#targets.map((t) => t.url);
  }

  /**
   * send queues alerts after external labels and alert_relabel_configs. Never blocks: when the
   * queue overflows, the oldest alerts are dropped and counted.
   */
  send(alerts: readonly NotifierAlert[]): void {
    if (this.#stopped) return;
    for (const a of alerts) {
      let labels = a.labels;
      if (this.#opts.externalLabels.size > 0) {
        const m = new Map<string, string>(this.#opts.externalLabels);
        labels.forEach((k, v) => m.set(k, v));
        labels = Labels.fromPairs(m);
      }
      const out = relabel(labels, this.#opts.alerting.alertRelabelConfigs);
      if (out === null || out.size === 0) continue;
      this.#queue.push({ ...a, labels: out });
    }
    const over = this.#queue.length - this.#opts.queueCapacity;
    if (over > 0) {
      this.#queue.splice(0, over);
      this.#dropped.inc(over);
      this.#opts.warn(`alert notification queue full, dropped ${over} alerts`);
    }
    this.#queueLength.set(this.#queue.length);
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      if (this.#queue.length === 0) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = null;
        continue;
      }
      const batch = this.#queue.splice(0, this.#opts.maxBatchSize);
      this.#queueLength.set(this.#queue.length);
      await this.#sendAll(batch);
    }
  }

  /** #sendAll posts one batch to every Alertmanager; the batch is dropped when all of them fail. */
  async #sendAll(batch: NotifierAlert[]): Promise<void> {
    if (this.#targets.length === 0) return;
    const results = await Promise.all(this.#targets.map((t) => this.#sendOne(t, batch)));
    if (!results.some(Boolean)) this.#dropped.inc(batch.length);
  }

  async #sendOne(t: Target, batch: NotifierAlert[]): Promise<boolean> {
    const alerts = batch.flatMap((a) => {
      const labels = relabel(a.labels, t.config.alertRelabelConfigs);
      return labels === null || labels.size === 0 ? [] : [toPostable({ ...a, labels })];
    });
    if (alerts.length === 0) return true;
    try {
      const res = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Outpost', ...authHeader(t.config) },
        body: JSON.stringify(alerts),
        signal: AbortSignal.timeout(t.config.timeout),
      });
      await res.arrayBuffer();
      if (res.status < 200 || res.status >= 300) throw new Error(`bad response status ${res.status} ${res.statusText}`);
      this.#sent.inc({ alertmanager: t.url }, alerts.length);
      return true;
    } catch (err) {
      // Prometheus counts failed alerts as sent too, and additionally as errors.
      this.#errors.inc({ alertmanager: t.url }, alerts.length);
      this.#sent.inc({ alertmanager: t.url }, alerts.length);
      this.#opts.warn(`send ${alerts.length} alerts to Alertmanager ${t.url}: ${(err as Error).message}`);
      return false;
    }
  }

  /** stop ends the send loop after the batch in flight; queued alerts are discarded. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
  }
}

/** targetsOf: the Alertmanager URLs of static_configs (the discovery mechanisms Outpost runs here). */
function targetsOf(alerting: AlertingConfig): Target[] {
  const out: Target[] = [];
  for (const am of alerting.alertmanagers) {
    for (const sc of am.staticConfigs) {
      for (const addr of sc.targets) {
        let labels: Labels | null = Labels.from({ ...sc.labels.toObject(), __address__: addr, __scheme__: am.scheme, __alerts_path__: `${am.pathPrefix.replace(/\/$/, '')}/api/v2/alerts` });
        labels = relabel(labels, am.relabelConfigs);
        if (labels === null) continue;
        out.push({ url: `${labels.get('__scheme__')}://${labels.get('__address__')}${labels.get('__alerts_path__')}`, config: am });
      }
    }
  }
  return out;
}

function authHeader(am: AlertmanagerConfig): Record<string, string> {
  const c = am.httpClient;
  const read = (inline: string, file: string) => (file !== '' ? readFileSync(file, 'utf8').trim() : inline);
  if (c.basicAuth) {
    const user = read(c.basicAuth.username, c.basicAuth.usernameFile);
    const pass = read(c.basicAuth.password, c.basicAuth.passwordFile);
    return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
  }
  if (c.authorization) return { authorization: `${c.authorization.type || 'Bearer'} ${read(c.authorization.credentials, c.authorization.credentialsFile)}` };
  return {};
}

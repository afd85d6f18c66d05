/**
 * HTTP service discovery (`http_sd_configs`): GETs a URL every refresh_interval with the section's
 * HTTP client settings (auth, TLS) and reads the JSON list of target groups it answers, labelling
 * each group with `__meta_url`. A failed refresh (network, status, content type, malformed body)
 * is reported and the groups of the last good answer stay in use.
 */
import type { HTTPSDConfig } from '../../shared/config/sd.ts';
import { Labels } from '../../shared/model/labels.ts';
import { HttpClient } from '../http/client.ts';
import { parseGroupsDocument } from './groups-file.ts';
import type { Discoverer, DiscoveryListener, TargetGroup } from './types.ts';

/** The largest answer accepted: far above any real target list, small enough to protect the edge. */
const MAX_BODY = 64 << 20;

/** HttpDiscoverer: one http_sd_configs entry. It builds its client at construction (ClientSetupError). */
export class HttpDiscoverer implements Discoverer {
  readonly #config: HTTPSDConfig;
  readonly #client: HttpClient;
  #timer: NodeJS.Timeout | undefined;
  #inflight: Promise<void> | undefined;
  #stopped = false;

  constructor(config: HTTPSDConfig) {
    this.#config = config;
    this.#client = new HttpClient(config.httpClient);
  }

  start(listener: DiscoveryListener): void {
    const tick = () => {
      if (this.#stopped) return;
      this.#inflight = this.refresh().then(
        (groups) => {
          if (!this.#stopped) listener.update(groups);
        },
        (err: Error) => {
          if (!this.#stopped) listener.error(err);
        },
      );
      this.#timer = setTimeout(tick, this.#config.refreshInterval);
    };
    tick();
  }

  /** refresh fetches and parses the target groups once; it rejects with an Error naming the URL. */
  async refresh(): Promise<TargetGroup[]> {
    const { url, refreshInterval } = this.#config;
    let res;
    try {
      res = await this.#client.get(url, {
        headers: {
          accept: 'application/json',
          'user-agent': 'Outpost',
          'x-prometheus-refresh-interval-seconds': String(refreshInterval / 1000),
        },
        timeoutMs: refreshInterval,
        maxBytes: MAX_BODY,
      });
    } catch (err) {
      throw new Error(`http_sd ${url}: ${(err as Error).message}`, { cause: err });
    }
    const ct = res.contentType ?? '';
    if (!/^application\/json(;.*)?$/i.test(ct.trim())) throw new Error(`http_sd ${url}: unsupported content type ${JSON.stringify(ct)}`);
    let parsed;
    try {
      parsed = parseGroupsDocument(res.body.toString('utf8'), 'json', url);
    } catch (err) {
      throw new Error(`http_sd ${(err as Error).message}`, { cause: err });
    }
    return parsed.map((g, i) => ({
      source: `${url}:${i}`,
      targets: g.targets.map((address) => Labels.from({ __address__: address })),
      labels: g.labels.with('__meta_url', url),
    }));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#inflight;
    this.#client.close();
  }
}

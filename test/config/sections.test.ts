import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, registerSection, registeredSections, type YamlValue } from '../../shared/config/index.ts';

interface DedupTest { replicaLabel: string; interval: number }

declare module '../../shared/config/sections.ts' {
  interface SectionTypes {
    dedup_test: DedupTest;
  }
}

function parseDedup(v: YamlValue, interval: number): DedupTest {
  const f = v.fields();
  const out = {
    replicaLabel: f.opt('replica_label', (x) => x.str(), '__replica__'),
    interval: f.opt('interval', (x) => x.duration(), interval),
  };
  f.done();
  return out;
}

registerSection('dedup_test', (v, { global }) => parseDedup(v, global.scrapeInterval));

describe('registerSection', () => {
  it('lists the built-in and registered sections', () => {
    expect(registeredSections()).toEqual(expect.arrayContaining(['hub', 'edges', 'dedup_test']));
  });

  it('parses a registered section with the global context', () => {
    const c = parseConfig('global: {scrape_interval: 7s}\ndedup_test: {replica_label: r}\n', 'hub.yml');
    expect(c.sections.dedup_test).toEqual({ replicaLabel: 'r', interval: 7000 });
    expect(parseConfig('', 'hub.yml').sections.dedup_test).toBeUndefined();
  });

  it('reports errors in a registered section with file, line and path', () => {
    const err = (() => {
      try {
        parseConfig('global: {}\ndedup_test:\n  interval: 5x\n', 'hub.yml');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe('hub.yml:3: dedup_test.interval: "5x" is not a valid duration');
  });

  it('rejects registering a name twice or a Prometheus section', () => {
    expect(() => registerSection('dedup_test', () => ({ replicaLabel: '', interval: 0 }))).toThrow(/BUG: .*registered twice/);
    expect(() => registerSection('global', () => 0)).toThrow(/BUG: .*Prometheus/);
  });
});

describe('hub.max_backlog', () => {
  it('bounds the edge backlog in bytes', () => {
    const c = parseConfig('hub: {url: "ws://hub:9090", token: t, max_backlog: 64MiB}\n', 'edge.yml');
    expect(c.sections.hub?.maxBacklogBytes).toBe(64 * 1024 * 1024);
    expect(parseConfig('hub: {url: "ws://hub:9090", token: t}\n', 'edge.yml').sections.hub?.maxBacklogBytes).toBeUndefined();
  });
});

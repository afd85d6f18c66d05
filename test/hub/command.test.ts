// The hub command's config handling: the embedded default config parses, and options the hub does
// not apply yet are refused by name rather than silently ignored.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/index.ts';
import { defaultConfig, unsupported } from '../../hub/command.ts';

describe('hub config', () => {
  it('runs a default config that scrapes the hub itself', () => {
    const c = parseConfig(defaultConfig(9090), '(default config)');
    expect(c.scrapeConfigs.map((j) => [j.jobName, j.scrapeInterval, j.staticConfigs[0].targets])).toEqual([['outpost', 15_000, ['localhost:9090']]]);
    expect(unsupported(c)).toEqual([]);
  });

  const check = (yaml: string, want: string[]) => expect(unsupported(parseConfig(yaml, 't.yml'))).toEqual(want);
  it('names the options it does not apply yet', () => {
    check('scrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: [x.json]}]\n', ['scrape_configs[job_name="a"].file_sd_configs']);
    check('scrape_configs:\n  - job_name: a\n    label_limit: 5\n    static_configs: [{targets: [h:1]}]\n', ['scrape_configs[job_name="a"].label_limit / label_*_length_limit']);
    check('remote_write: [{url: http://x/}]\n', ['remote_write']);
    check('scrape_configs:\n  - job_name: a\n    static_configs: [{targets: [h:1]}]\n    relabel_configs: [{action: drop, source_labels: [x]}]\n', []);
  });
});

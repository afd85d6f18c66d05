/**
 * `outpost test-rules FILE...`: promtool's `test rules` — unit tests for recording and alerting
 * rules, in promtool's test-file format. Exit 0 when every test passes, 1 when any fails or a
 * file is malformed, 2 for a bad command line.
 */
import type { Command } from '../../cli/command.ts';
import { runFilter, testRules } from './run.ts';

export const testRulesCommand: Command = {
  name: 'test-rules',
  summary: 'Run unit tests for rules (promtool test rules): evaluate rule files over input series and check alerts and query results.',
  usage: 'test-rules [flags] FILE...',
  flags: [
    { name: 'run', help: 'Only run test groups whose name matches this regular expression (repeatable: any may match).', kind: 'list' },
    { name: 'ignore-unknown-fields', kind: 'bool', default: 'false', help: 'Ignore unknown fields in the rule files the tests load.' },
  ],
  async run(args) {
    if (args.positional.length === 0) {
      console.error('outpost test-rules: at least one test file is required (see: outpost test-rules --help)');
      return 2;
    }
    const runs = args.lists.get('run') ?? [];
    try {
      runFilter(runs);
    } catch (err) {
      console.error(`outpost test-rules: --run: invalid regular expression: ${(err as Error).message}`);
      return 2;
    }
    return testRules(args.positional, { run: runs, ignoreUnknownFields: args.flags.get('ignore-unknown-fields') === 'true' }, {
      out: (line) => console.log(line),
      err: (line) => console.error(line),
    });
  },
};

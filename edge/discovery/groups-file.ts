/**
 * Target group documents: the JSON or YAML list of `{targets: [...], labels: {...}}` that file and
 * HTTP service discovery read. Every problem is a GroupsFormatError naming the document and, where
 * the text allows, the line.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { Labels } from '../../shared/model/labels.ts';
import { isValidName } from '../../shared/relabel/index.ts';

/** GroupsFormatError: a malformed target group document; the message starts with `where[:line]`. */
export class GroupsFormatError extends Error {
  constructor(readonly where: string, readonly line: number, reason: string) {
    super(`${where}${line > 0 ? `:${line}` : ''}: ${reason}`);
    this.name = 'GroupsFormatError';
  }
}

/** ParsedGroup: one group as written (before `__meta_*` labels are added). */
export interface ParsedGroup {
  targets: string[];
  labels: Labels;
}

/**
 * parseGroupsDocument parses `text` as a list of target groups. `format` picks strict JSON or
 * YAML; `where` names the document in errors.
 */
export function parseGroupsDocument(text: string, format: 'json' | 'yaml', where: string): ParsedGroup[] {
  const lines = new LineCounter();
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (err) {
      const m = /position (\d+)/.exec((err as Error).message);
      const line = m ? lineAt(text, Number(m[1])) : 0;
      throw new GroupsFormatError(where, line, `invalid JSON: ${(err as Error).message.replace(/ in JSON at position \d+.*$/, '')}`);
    }
  }
  const doc = parseDocument(text, { lineCounter: lines, schema: format === 'json' ? 'json' : 'core', uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new GroupsFormatError(where, e.linePos?.[0].line ?? 0, `invalid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const line = (n: Node | null | undefined) => (n?.range ? lines.linePos(n.range[0]).line : 0);
  const fail = (n: Node | null | undefined, reason: string): never => {
    throw new GroupsFormatError(where, line(n), reason);
  };
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return [];
  if (!isSeq(root)) fail(root, 'expected a list of target groups');
  const out: ParsedGroup[] = [];
  for (const item of (root as { items: unknown[] }).items as Node[]) {
    if (!isMap(item)) fail(item, 'a target group must be a mapping with "targets" and "labels"');
    const group: ParsedGroup = { targets: [], labels: Labels.EMPTY };
    for (const pair of (item as { items: Array<{ key: Node; value: Node | null }> }).items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : fail(pair.key, 'a target group key must be a string');
      if (key === 'targets') {
        if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) continue;
        if (!isSeq(pair.value)) fail(pair.value, '"targets" must be a list of host:port strings');
        for (const t of (pair.value as { items: Node[] }).items) {
          if (!isScalar(t) || typeof t.value !== 'string') fail(t, 'a target must be a host:port string');
          const s = (t as { value: string }).value;
          if (s === '') fail(t, 'a target address is empty');
          group.targets.push(s);
        }
      } else if (key === 'labels') {
        if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) continue;
        if (!isMap(pair.value)) fail(pair.value, '"labels" must be a mapping of label names to values');
        const labels: Array<[string, string]> = [];
        for (const lp of (pair.value as { items: Array<{ key: Node; value: Node | null }> }).items) {
          const name = isScalar(lp.key) ? String(lp.key.value) : fail(lp.key, 'a label name must be a string');
          if (!isValidName(name, 'utf8') || name === '') fail(lp.key, `${JSON.stringify(name)} is not a valid label name`);
          const v = isScalar(lp.value) ? lp.value.value : undefined;
          // YAML's plain scalars (80, true) read as their text, as Go's YAML decoder does; JSON wants strings.
          const plain = format === 'yaml' && (typeof v === 'number' || typeof v === 'boolean');
          if (typeof v !== 'string' && !plain) fail(lp.value ?? lp.key, `the value of label ${JSON.stringify(name)} must be a string`);
          labels.push([name, plain ? String((lp.value as { source?: string }).source ?? v) : (v as string)]);
        }
        group.labels = Labels.fromPairs(labels);
      } else {
        fail(pair.key, `unknown field ${JSON.stringify(key)} in a target group (want "targets" and "labels")`);
      }
    }
    out.push(group);
  }
  return out;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * `--ignore-unknown-fields` for rule files: promtool can load rule files that carry extra keys
 * (ownership, namespaces, …). The rule-file parser is strict, so this blanks the unknown keys and
 * their values out of the source text (every character but newlines becomes a space) before it
 * is parsed: the text left is valid YAML, and every line and column the parser reports still
 * points at the original file.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, type Node, type Pair } from 'yaml';

/**
 * KNOWN: the keys of Prometheus' rule-file format at each level (the same sets the strict parser
 * in shared/rules/file.ts accepts).
 */
const KNOWN = {
  top: new Set(['groups']),
  group: new Set(['name', 'interval', 'query_offset', 'limit', 'labels', 'rules']),
  rule: new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']),
};

/**
 * blankUnknownRuleFields returns `text` with every unknown top-level, group and rule key blanked.
 * Text that does not parse as YAML is returned unchanged (the rule-file parser reports it).
 */
export function blankUnknownRuleFields(text: string): string {
  const docs = parseAllDocuments(text, { schema: 'failsafe' });
  if (!Array.isArray(docs)) return text;
  const spans: [number, number][] = [];
  const unknown = (map: Node | null | undefined, known: Set<string>): Pair<Node, Node | null>[] => {
    if (!isMap(map)) return [];
    const out: Pair<Node, Node | null>[] = [];
    for (const pair of map.items as Pair<Node, Node | null>[]) {
      if (!isScalar(pair.key) || !known.has(String(pair.key.value))) {
        const start = pair.key?.range?.[0];
        const end = pair.value?.range?.[1] ?? pair.key?.range?.[1];
        if (start !== undefined && end !== undefined) spans.push([start, end]);
      } else {
        out.push(pair);
      }
    }
    return out;
  };
  for (const doc of docs) {
    if (doc.errors.length > 0) return text;
    const top = unknown(doc.contents as Node | null, KNOWN.top);
    const groups = top.find((p) => isScalar(p.key) && p.key.value === 'groups')?.value;
    if (!isSeq(groups)) continue;
    for (const g of groups.items as Node[]) {
      const rules = unknown(g, KNOWN.group).find((p) => isScalar(p.key) && p.key.value === 'rules')?.value;
      if (!isSeq(rules)) continue;
      for (const r of rules.items as Node[]) unknown(r, KNOWN.rule);
    }
  }
  if (spans.length === 0) return text;
  // Ranges are UTF-16 offsets; blank by code unit so offsets stay aligned.
  const units = text.split('');
  for (const [s, e] of spans) for (let i = s; i < e && i < units.length; i++) if (units[i] !== '\n' && units[i] !== '\r') units[i] = ' ';
  return units.join('');
}

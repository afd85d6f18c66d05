/**
 * Fingerprints of configuration: a stable text for a value made of plain objects, arrays, Maps,
 * Labels, RegExps and bigints, so that two configs can be compared for "unchanged" on reload.
 * Functions and class instances holding live state (clients) must not be passed in.
 */

/** fingerprint renders `value` as stable JSON; equal settings give equal text. */
export function fingerprint(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof RegExp) return `/${v.source}/${v.flags}`;
    if (v instanceof Map) return [...v.entries()];
    if (v instanceof Set) return [...v.values()];
    return v;
  });
}

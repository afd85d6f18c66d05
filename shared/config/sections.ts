/**
 * The registry of Outpost's own top-level sections (`hub`, `edges`, `dedup`, `upstream`, …), so
 * the hub and edge code can add theirs next to the code that uses them, with the same error
 * reporting as Prometheus' sections. A parser receives its section's YamlValue (read fields with
 * `value.fields()`, fail with `value.fail(…)`) and the parsed global section. To give a section a
 * type, augment SectionTypes:
 *
 *     declare module '../shared/config/sections.ts' { interface SectionTypes { dedup: DedupConfig } }
 *     registerSection('dedup', (v) => parseDedup(v));
 */
import type { GlobalConfig } from './global.ts';
import type { YamlValue } from './yaml-value.ts';

/** SectionTypes maps each registered section's name to its parsed type. Augment it. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SectionTypes {}

/** SectionParser reads one section; it is only called when the section is present and not null. */
export type SectionParser<T> = (value: YamlValue, context: { readonly global: GlobalConfig }) => T;

const PROMETHEUS_SECTIONS = new Set([
  'global', 'runtime', 'alerting', 'rule_files', 'scrape_config_files', 'scrape_configs', 'storage',
  'tracing', 'remote_write', 'remote_read', 'otlp',
]);

const registry = new Map<string, SectionParser<unknown>>();

/**
 * registerSection makes `name` a valid top-level section parsed by `parse`. Registering a name
 * twice, or a name Prometheus uses, is a bug and throws. Call it at module load, before any
 * config is parsed.
 */
export function registerSection<K extends string>(
  name: K,
  parse: SectionParser<K extends keyof SectionTypes ? SectionTypes[K] : unknown>,
): void {
  if (PROMETHEUS_SECTIONS.has(name)) throw new Error(`BUG: config section ${JSON.stringify(name)} belongs to Prometheus' format`);
  if (registry.has(name)) throw new Error(`BUG: config section ${JSON.stringify(name)} is registered twice`);
  registry.set(name, parse as SectionParser<unknown>);
}

/** sectionParser returns the parser registered for `name`, or undefined. */
export function sectionParser(name: string): SectionParser<unknown> | undefined {
  return registry.get(name);
}

/** registeredSections lists the registered section names, in registration order. */
export function registeredSections(): string[] {
  return [...registry.keys()];
}

/**
 * The values templates compute with, modelled on the Go types Prometheus hands its templates:
 * `string`, float64 (a JS number), int (a JS bigint), bool, nil (null), slices (arrays), maps
 * (GoMap), structs (GoStruct, e.g. a query sample), html/template.HTML (SafeHTML), time.Time
 * (GoTime) and time.Duration (GoDuration). `undefined` is Go's invalid reflect.Value, printed as
 * `<no value>`.
 */

/** GoMap: a Go map with string keys; `zero` is what a missing key reads as (missingkey=zero). */
export class GoMap {
  constructor(
    readonly entries: Map<string, unknown>,
    readonly zero: unknown,
    readonly typeName = 'map[string]string',
  ) {}

  /** GoMap.ofStrings builds a map[string]string. */
  static ofStrings(obj: Readonly<Record<string, string>> | Iterable<readonly [string, string]>): GoMap {
    const it = Symbol.iterator in obj ? (obj as Iterable<readonly [string, string]>) : Object.entries(obj);
    return new GoMap(new Map(it), '');
  }
}

/** GoStruct: a Go struct value; field order is the object's key order. */
export class GoStruct {
  constructor(
    readonly typeName: string,
    readonly fields: Readonly<Record<string, unknown>>,
  ) {}
}

/** SafeHTML: html/template.HTML, a string marked as safe. */
export class SafeHTML {
  constructor(readonly html: string) {}
}

/** GoTime: a time.Time at `ns` nanoseconds since the epoch, in UTC. */
export class GoTime {
  constructor(readonly ns: bigint) {}
}

/** GoDuration: a time.Duration of `ns` nanoseconds. */
export class GoDuration {
  constructor(readonly ns: bigint) {}
}

/** goTypeName: the Go type name of a value, as fmt's %T and error messages write it. */
export function goTypeName(v: unknown): string {
  if (v === undefined) return '<nil>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof GoMap) return v.typeName;
  if (v instanceof GoStruct) return v.typeName;
  if (v instanceof SafeHTML) return 'template.HTML';
  if (v instanceof GoTime) return '*time.Time';
  if (v instanceof GoDuration) return '*time.Duration';
  return typeof v;
}

/** isTrue: Go template truth: false, 0, "", nil and empty slices or maps are false. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'string') return v !== '';
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof GoMap) return v.entries.size > 0;
  if (v instanceof SafeHTML) return v.html !== '';
  return true;
}

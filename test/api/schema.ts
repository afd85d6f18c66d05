/**
 * A JSON-schema subset validator for the contract tests: `type` (one or a list), `properties`,
 * `required`, `additionalProperties` (boolean or schema), `items`, `minItems`/`maxItems`, `minimum`, `enum`,
 * `oneOf` (exactly one branch), `anyOf`, `allOf`, `const`, `format: date-time` and local `$ref`s
 * (`#/components/schemas/X`). It returns every violation as `path: message`, empty when valid.
 * Keywords outside the subset are ignored, except that a schema naming one it cannot check
 * (`pattern`, `not`, …) is reported, so that a schema change cannot pass unseen.
 */

export type Schema = { [key: string]: unknown };

const KNOWN = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'enum', 'oneOf', 'anyOf',
  'allOf', 'const', '$ref', 'format', 'minimum', 'description', 'example', 'examples', 'title', 'default', 'deprecated',
]);

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function hasType(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

/** Validator: validates values against schemas of one document (for `$ref`). */
export class Validator {
  constructor(private readonly root: Schema) {}

  resolve(ref: string): Schema {
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
    let node: unknown = this.root;
    for (const part of ref.slice(2).split('/')) {
      node = (node as Schema | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    if (node === undefined) throw new Error(`$ref ${ref} not found`);
    return node as Schema;
  }

  /** validate returns the violations of `value` against `schema`; [] when it conforms. */
  validate(value: unknown, schema: Schema, path = '$'): string[] {
    const errs: string[] = [];
    for (const k of Object.keys(schema)) if (!KNOWN.has(k)) errs.push(`${path}: schema keyword ${JSON.stringify(k)} is not supported by this validator`);
    if (typeof schema.$ref === 'string') errs.push(...this.validate(value, this.resolve(schema.$ref), path));
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
      if (!types.some((t) => hasType(value, t))) return [...errs, `${path}: want type ${types.join('|')}, got ${typeOf(value)}`];
    }
    if (schema.const !== undefined && JSON.stringify(value) !== JSON.stringify(schema.const)) errs.push(`${path}: want ${JSON.stringify(schema.const)}`);
    if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
      errs.push(`${path}: ${JSON.stringify(value)} not in enum ${JSON.stringify(schema.enum)}`);
    }
    if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) errs.push(`${path}: ${value} is below the minimum ${schema.minimum}`);
    if (schema.format === 'date-time' && typeof value === 'string' && !DATE_TIME.test(value)) errs.push(`${path}: ${JSON.stringify(value)} is not an RFC 3339 date-time`);
    if (Array.isArray(value)) {
      if (typeof schema.minItems === 'number' && value.length < schema.minItems) errs.push(`${path}: fewer than ${schema.minItems} items`);
      if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errs.push(`${path}: more than ${schema.maxItems} items`);
      if (schema.items && typeof schema.items === 'object') value.forEach((v, i) => errs.push(...this.validate(v, schema.items as Schema, `${path}[${i}]`)));
    }
    if (typeOf(value) === 'object') {
      const obj = value as Record<string, unknown>;
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) errs.push(`${path}: missing required property ${JSON.stringify(r)}`);
      for (const [k, v] of Object.entries(obj)) {
        if (k in props) errs.push(...this.validate(v, props[k], `${path}.${k}`));
        else if (schema.additionalProperties === false) errs.push(`${path}: unexpected property ${JSON.stringify(k)}`);
        else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
          errs.push(...this.validate(v, schema.additionalProperties as Schema, `${path}.${k}`));
        }
      }
    }
    if (Array.isArray(schema.allOf)) for (const s of schema.allOf as Schema[]) errs.push(...this.validate(value, s, path));
    if (Array.isArray(schema.anyOf)) {
      const results = (schema.anyOf as Schema[]).map((s) => this.validate(value, s, path));
      if (!results.some((r) => r.length === 0)) errs.push(`${path}: matches no anyOf branch (${results.map((r) => r[0]).join(' / ')})`);
    }
    if (Array.isArray(schema.oneOf)) {
      const results = (schema.oneOf as Schema[]).map((s) => this.validate(value, s, path));
      const ok = results.filter((r) => r.length === 0).length;
      if (ok !== 1) errs.push(`${path}: matches ${ok} oneOf branches, want exactly 1 (${results.map((r) => r[0] ?? 'ok').join(' / ')})`);
    }
    return errs;
  }
}

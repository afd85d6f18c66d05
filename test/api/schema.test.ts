// The contract tests' schema validator: it must reject what does not conform, or the contract
// tests prove nothing.
import { describe, expect, it } from 'vitest';
import { Validator, type Schema } from './schema.ts';

const root: Schema = {
  components: {
    schemas: {
      Pair: { type: 'array', items: { oneOf: [{ type: 'number' }, { type: 'string' }] }, minItems: 2, maxItems: 2 },
      Obj: {
        type: 'object',
        properties: { status: { type: 'string', enum: ['success', 'error'] }, n: { type: 'integer', minimum: 0 }, at: { type: 'string', format: 'date-time' }, p: { $ref: '#/components/schemas/Pair' } },
        required: ['status'],
        additionalProperties: false,
      },
      Either: { anyOf: [{ type: 'boolean' }, { type: 'object', additionalProperties: { type: 'integer' } }] },
    },
  },
};
const v = new Validator(root);
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

describe('Validator', () => {
  const cases: Array<[string, unknown, Schema, number]> = [
    ['valid object', { status: 'success', n: 1, at: '2026-01-02T13:37:00Z', p: [1, 'x'] }, ref('Obj'), 0],
    ['missing required', {}, ref('Obj'), 1],
    ['enum', { status: 'ok' }, ref('Obj'), 1],
    ['extra property', { status: 'error', x: 1 }, ref('Obj'), 1],
    ['integer wanted', { status: 'error', n: 1.5 }, ref('Obj'), 1],
    ['minimum', { status: 'error', n: -1 }, ref('Obj'), 1],
    ['date-time', { status: 'error', at: 'yesterday' }, ref('Obj'), 1],
    ['too few items', { status: 'error', p: [1] }, ref('Obj'), 1],
    ['oneOf no branch', [1, true], ref('Pair'), 1],
    ['anyOf object', { a: 1 }, ref('Either'), 0],
    ['anyOf none', { a: 'x' }, ref('Either'), 1],
    ['unsupported keyword', 'x', { type: 'string', pattern: '^x$' }, 1],
  ];
  for (const [name, value, schema, count] of cases) {
    it(name, () => expect(v.validate(value, schema)).toHaveLength(count));
  }
  it('fails on an unknown $ref', () => expect(() => v.validate(1, ref('Nope'))).toThrow(/not found/));
});

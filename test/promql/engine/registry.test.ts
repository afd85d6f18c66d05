import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../shared/promql/functions.ts';
import { FUNCTION_IMPLS, UNSUPPORTED_FUNCTIONS } from '../../../shared/promql/engine/index.ts';

describe('function registry', () => {
  it('lists the same names as the parser table, minus the named unsupported ones', () => {
    const parser = [...FUNCTIONS.keys()].sort();
    const engine = [...FUNCTION_IMPLS.keys(), ...UNSUPPORTED_FUNCTIONS.keys()].sort();
    expect(engine).toEqual(parser);
    for (const name of UNSUPPORTED_FUNCTIONS.keys()) expect(FUNCTION_IMPLS.has(name)).toBe(false);
  });
});

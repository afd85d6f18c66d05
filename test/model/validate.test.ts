import { describe, expect, it } from 'vitest';
import { Labels } from '../../shared/model/labels.ts';
import {
  InvalidLabelError,
  isValidLabelName,
  isValidMetricName,
  isWellFormed,
  validateLabels,
  type ValidateOptions,
} from '../../shared/model/validate.ts';

describe('isWellFormed', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['plain', true],
    ['héllo ✓', true],
    ['emoji 😀', true],
    ['\ud800', false],
    ['x\udc00y', false],
    ['\ud83d\ude00\ud83d', false],
  ];
  for (const [s, want] of cases) it(JSON.stringify(s), () => expect(isWellFormed(s)).toBe(want));
});

describe('names', () => {
  const cases: [string, 'utf8' | 'legacy', boolean, boolean][] = [
    // name, scheme, valid label name, valid metric name
    ['job', 'utf8', true, true],
    ['job', 'legacy', true, true],
    ['http.requests', 'utf8', true, true],
    ['http.requests', 'legacy', false, false],
    ['a:b', 'legacy', false, true],
    ['_x9', 'legacy', true, true],
    ['9x', 'legacy', false, false],
    ['9x', 'utf8', true, true],
    ['', 'utf8', false, false],
    ['bad\ud800', 'utf8', false, false],
  ];
  for (const [name, scheme, label, metric] of cases) {
    it(`${JSON.stringify(name)} ${scheme}`, () => {
      expect(isValidLabelName(name, scheme)).toBe(label);
      expect(isValidMetricName(name, scheme)).toBe(metric);
    });
  }
});

describe('validateLabels', () => {
  function check(labels: Labels, options: ValidateOptions, wantLabel: string | null, wantText = '') {
    if (wantLabel === null) {
      expect(() => validateLabels(labels, options)).not.toThrow();
      return;
    }
    let err: unknown;
    try {
      validateLabels(labels, options);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidLabelError);
    expect((err as InvalidLabelError).label).toBe(wantLabel);
    expect((err as Error).message).toContain(wantText);
  }
  const cases: [string, Labels, ValidateOptions, string | null, string?][] = [
    ['ordinary', Labels.from({ __name__: 'up', job: 'a' }), {}, null],
    ['utf8 names', Labels.from({ __name__: 'my.metric', 'dotted.name': 'ü' }), {}, null],
    ['legacy refuses dotted metric', Labels.from({ __name__: 'my.metric' }), { scheme: 'legacy' }, '__name__', 'metric name'],
    ['legacy refuses dotted label', Labels.from({ __name__: 'm', 'a.b': 'x' }), { scheme: 'legacy' }, 'a.b', '[a-zA-Z_]'],
    ['empty set', Labels.EMPTY, {}, '', 'no labels'],
    ['empty set allowed', Labels.EMPTY, { allowEmpty: true }, null],
    ['reserved', Labels.from({ __name__: 'm', __meta_x: 'y' }), {}, '__meta_x', 'reserved'],
    ['reserved allowed', Labels.from({ __name__: 'm', __meta_x: 'y' }), { allowReserved: true }, null],
    ['bad value', Labels.from({ a: 'x\udfff' }), {}, 'a', 'UTF-8'],
    ['bad name', Labels.from({ ['\ud800']: 'x' }), {}, '\ud800', 'UTF-8'],
    ['duplicate name', Labels.fromSortedFlat(['a', '1', 'a', '2']), {}, 'a', 'twice'],
    ['unsorted', Labels.fromSortedFlat(['b', '1', 'a', '2']), {}, 'a', 'sorted'],
    ['empty value', Labels.fromSortedFlat(['a', '']), {}, 'a', 'empty label value'],
    ['empty name', Labels.fromSortedFlat(['', 'x']), {}, '', 'empty label name'],
  ];
  for (const [name, labels, options, wantLabel, wantText] of cases) {
    it(name, () => check(labels, options, wantLabel, wantText));
  }
});

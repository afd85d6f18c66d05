/**
 * Label limits of a scrape job (`label_limit`, `label_name_length_limit`,
 * `label_value_length_limit`): a series over any of them fails the whole scrape with Prometheus'
 * message. Lengths are counted in UTF-8 bytes, as Go's len() counts them.
 */
import type { Labels } from '../../shared/model/labels.ts';

/** LabelLimits: 0 (or absent) means no limit. */
export interface LabelLimits {
  labelLimit?: number;
  labelNameLengthLimit?: number;
  labelValueLengthLimit?: number;
}

/** LabelLimitError: a scraped series breaks a label limit; the scrape fails with this message. */
export class LabelLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelLimitError';
  }
}

/** checkLabelLimits throws LabelLimitError when `labels` (after relabeling) break a limit. */
export function checkLabelLimits(labels: Labels, limits: LabelLimits): void {
  const { labelLimit = 0, labelNameLengthLimit = 0, labelValueLengthLimit = 0 } = limits;
  if (labelLimit === 0 && labelNameLengthLimit === 0 && labelValueLengthLimit === 0) return;
  const metric = cut(labels.metricName);
  if (labelLimit > 0 && labels.size > labelLimit) {
    throw new LabelLimitError(`label_limit exceeded (metric: ${metric}, number of labels: ${labels.size}, limit: ${labelLimit})`);
  }
  const f = labels.flat;
  for (let i = 0; i < f.length; i += 2) {
    const name = f[i], value = f[i + 1];
    if (labelNameLengthLimit > 0) {
      const n = Buffer.byteLength(name);
      if (n > labelNameLengthLimit) {
        throw new LabelLimitError(`label_name_length_limit exceeded (metric: ${metric}, label name: ${cut(name)}, length: ${n}, limit: ${labelNameLengthLimit})`);
      }
    }
    if (labelValueLengthLimit > 0) {
      const n = Buffer.byteLength(value);
      if (n > labelValueLengthLimit) {
        throw new LabelLimitError(
          `label_value_length_limit exceeded (metric: ${metric}, label name: ${cut(name)}, value: ${JSON.stringify(cut(value))}, length: ${n}, limit: ${labelValueLengthLimit})`,
        );
      }
    }
  }
}

/** cut keeps the first 50 characters, as Go's `%.50s` does. */
function cut(s: string): string {
  const chars = [...s];
  return chars.length > 50 ? chars.slice(0, 50).join('') : s;
}

/**
 * OpenMetricsValidator: the MetricFamily and MetricPoint rules of OpenMetrics 1.0 that go
 * beyond one line's grammar, for OpenMetricsParser's strict mode: families are not repeated,
 * interleaved or clashing in sample names; metadata comes once, before the samples; each
 * sample's name fits its family's type; counters, buckets, counts and sums are non-negative
 * numbers; histograms have cumulative buckets in increasing `le` order ending at +Inf and a
 * `_count` exactly when a `_sum`; series (label sets without `le`/`quantile`) are contiguous
 * and their timestamps never go back; exemplars only sit on `_total` and `_bucket` samples.
 */
import { TYPE_SUFFIXES } from './parser-base.ts';
import type { LabelScan } from './scan.ts';
import { parseRealNumber } from './numbers.ts';
import type { MetricType } from './types.ts';
import { ExpositionParseError, quoteForError } from './types.ts';

/** Role of a sample within its family. */
const enum Role {
  Value, // gauge, unknown, stateset, summary quantile
  Total,
  Created,
  Bucket,
  Count,
  Sum,
  GCount,
  GSum,
  Info,
}

const ROLE_BY_SUFFIX: Record<string, Role> = {
  '': Role.Value,
  _total: Role.Total,
  _created: Role.Created,
  _bucket: Role.Bucket,
  _count: Role.Count,
  _sum: Role.Sum,
  _gcount: Role.GCount,
  _gsum: Role.GSum,
  _info: Role.Info,
};

export class OpenMetricsValidator {
  private readonly families = new Set<string>();
  /** Every sample name a family so far could produce, with the family that claims it. */
  private readonly claimed = new Map<string, string>();

  private fam = '';
  private famType: MetricType = 'unknown';
  private famHasSamples = false;
  private famMeta = 0; // bit 1 help, 2 type, 4 unit
  private famUnit = '';

  private role = Role.Value;
  private special = '';

  private groupKey: string | null = null;
  private readonly groups = new Set<string>();
  private groupHasTs = false;
  private lastTs = -Infinity;

  // The current metric point.
  private pointRoles = 0;
  private pointSamples = 0;
  private lastLe = -Infinity;
  private lastBucket = 0;
  private hasInf = false;
  private infValue = 0;
  private negBucket = false;
  private hasCount = false;
  private count = 0;
  private hasSum = false;
  private sum = 0;

  /** metadata checks a HELP/TYPE/UNIT line for `name`; `value` is the type, help or unit. */
  metadata(line: number, kind: 'help' | 'type' | 'unit', name: string, value: string): void {
    const bit = kind === 'help' ? 1 : kind === 'type' ? 2 : 4;
    const upper = kind.toUpperCase();
    if (this.fam === name && this.families.has(name)) {
      if (this.famHasSamples) fail(line, `"# ${upper} ${name}" comes after samples of its family`);
      if (this.famMeta & bit) fail(line, `repeated "# ${upper}" for ${quoteForError(name)}`);
    } else {
      this.startFamily(line, name);
    }
    this.famMeta |= bit;
    if (kind === 'type') {
      this.famType = value as MetricType;
      for (const suffix of TYPE_SUFFIXES[this.famType]) this.claim(line, name + suffix);
    } else if (kind === 'unit') {
      this.famUnit = value;
      if (value !== '' && !name.endsWith('_' + value)) fail(line, `unit ${quoteForError(value)} is not a suffix of the metric name ${quoteForError(name)}`);
    }
    if (this.famUnit !== '' && (this.famType === 'info' || this.famType === 'stateset')) {
      fail(line, `${this.famType} family ${quoteForError(name)} must not have a unit`);
    }
  }

  /**
   * beginSample finds the family and role of the sample named s[a, b) (or `quoted` when the
   * name is quoted inside the braces), starting a new family when it fits none. It returns
   * the label the scanner should locate: `le`, `quantile`, the stateset's name, or ''.
   */
  beginSample(line: number, s: string, a: number, b: number, quoted: string | null): string {
    const fam = this.fam;
    let suffix: string | null = null;
    if (this.families.size > 0) {
      if (quoted === null) {
        if (b - a >= fam.length && s.startsWith(fam, a)) suffix = s.slice(a + fam.length, b);
      } else if (quoted.startsWith(fam)) suffix = quoted.slice(fam.length);
    }
    if (suffix === null || !TYPE_SUFFIXES[this.famType].includes(suffix)) {
      const name = quoted ?? s.slice(a, b);
      if (name === fam) {
        fail(line, `sample name ${quoteForError(name)} does not fit the ${this.famType} family ${quoteForError(fam)}`);
      }
      this.startFamily(line, name);
      suffix = '';
    }
    this.famHasSamples = true;
    this.role = ROLE_BY_SUFFIX[suffix];
    const t = this.famType;
    this.special = t === 'histogram' || t === 'gaugehistogram' ? 'le' : t === 'summary' ? 'quantile' : t === 'stateset' ? this.fam : '';
    return this.special;
  }

  /** endSample checks the scanned sample: labels in `sc`, value, timestamp in seconds (NaN if none). */
  endSample(line: number, s: string, sc: LabelScan, open: number, close: number, value: number, ts: number, exemplar: boolean): void {
    const role = this.role;
    const t = this.famType;
    const hasSpecial = sc.specialStart >= 0;
    const needsSpecial = (role === Role.Bucket) || (role === Role.Value && (t === 'summary' || t === 'stateset'));
    if (needsSpecial && !hasSpecial) fail(line, `${t} sample ${quoteForError(this.sampleName(role))} needs a ${quoteForError(this.special)} label`);
    if (!needsSpecial && hasSpecial) fail(line, `label ${quoteForError(this.special)} is not allowed on ${quoteForError(this.sampleName(role))}`);
    if (exemplar && !(role === Role.Bucket || (role === Role.Total && t === 'counter'))) {
      fail(line, `exemplars are only allowed on counter _total and histogram _bucket samples, not on ${quoteForError(this.sampleName(role))}`);
    }
    this.group(line, s, sc, open, close, ts);
    this.checkValue(line, s, sc, role, value);
  }

  /** end finishes the last metric point at `# EOF`. */
  end(line: number): void {
    this.finishPoint(line);
  }

  private sampleName(role: Role): string {
    for (const [suffix, r] of Object.entries(ROLE_BY_SUFFIX)) if (r === role) return this.fam + suffix;
    return this.fam;
  }

  private startFamily(line: number, name: string): void {
    this.finishPoint(line);
    if (this.families.has(name)) fail(line, `metric family ${quoteForError(name)} appears twice (families must not be interleaved)`);
    this.fam = name;
    this.claim(line, name);
    this.families.add(name);
    this.famType = 'unknown';
    this.famHasSamples = false;
    this.famMeta = 0;
    this.famUnit = '';
    this.groups.clear();
    this.groupKey = null;
  }

  private claim(line: number, sampleName: string): void {
    const owner = this.claimed.get(sampleName);
    if (owner !== undefined && owner !== this.fam) {
      fail(line, `sample name ${quoteForError(sampleName)} of family ${quoteForError(this.fam)} clashes with family ${quoteForError(owner)}`);
    }
    this.claimed.set(sampleName, this.fam);
  }

  /** group tracks which series (labels without the special one) the sample belongs to. */
  private group(line: number, s: string, sc: LabelScan, open: number, close: number, ts: number): void {
    // The series key: the label text without the special pair and one adjacent comma.
    let a1 = open + 1, b1 = close - 1, a2 = 0, b2 = 0;
    if (open < 0) a1 = b1 = 0;
    else if (sc.specialStart >= 0) {
      let sa = sc.specialStart, sb = sc.specialEnd;
      if (s.charCodeAt(sb) === 44) sb++;
      else if (s.charCodeAt(sa - 1) === 44) sa--;
      b1 = sa;
      a2 = sb;
      b2 = close - 1;
    }
    const hasTs = ts === ts;
    const key = this.groupKey;
    if (key === null || !segmentsEqual(key, s, a1, b1, a2, b2)) {
      this.finishPoint(line);
      const next = s.slice(a1, b1) + s.slice(a2, b2);
      if (this.groups.has(next)) fail(line, `series {${next}} of family ${quoteForError(this.fam)} is interleaved with other series`);
      this.groups.add(next);
      this.groupKey = next;
      this.groupHasTs = hasTs;
      this.lastTs = ts;
      return;
    }
    if (hasTs !== this.groupHasTs) fail(line, 'samples of one series must all have a timestamp or all have none');
    if (hasTs) {
      if (ts < this.lastTs) fail(line, `timestamp goes back in time for series {${key}} of ${quoteForError(this.fam)}`);
      const histo = this.famType === 'histogram' || this.famType === 'gaugehistogram';
      if (ts > this.lastTs || !histo) this.finishPoint(line);
      this.lastTs = ts;
    }
  }

  private checkValue(line: number, s: string, sc: LabelScan, role: Role, v: number): void {
    const t = this.famType;
    const name = this.sampleName(role);
    const bit = 1 << role;
    const repeatable = role === Role.Bucket || (role === Role.Value && hasSpecialRole(t));
    if (!repeatable && this.pointRoles & bit) fail(line, `duplicate sample ${quoteForError(name)} in one metric point`);
    this.pointRoles |= bit;
    this.pointSamples++;
    switch (role) {
      case Role.Total:
        nonNegative(line, name, v, false);
        return;
      case Role.Info:
        if (v !== 1) fail(line, `info sample ${quoteForError(name)} must have value 1, got ${v}`);
        return;
      case Role.Count:
      case Role.GCount:
        nonNegative(line, name, v, true);
        this.hasCount = true;
        this.count = v;
        return;
      case Role.Sum:
        nonNegative(line, name, v, false);
        this.hasSum = true;
        this.sum = v;
        return;
      case Role.GSum:
        if (v !== v) fail(line, `${quoteForError(name)} must not be NaN`);
        this.hasSum = true;
        this.sum = v;
        return;
      case Role.Bucket: {
        nonNegative(line, name, v, true);
        const raw = s.slice(sc.specialValueStart, sc.specialValueEnd);
        const le = raw === '+Inf' ? Infinity : parseRealNumber(s, sc.specialValueStart, sc.specialValueEnd);
        if (le === undefined) fail(line, `invalid le value ${quoteForError(raw)}`);
        if (le <= this.lastLe) fail(line, `bucket le=${quoteForError(raw)} is not above the previous bucket's`);
        if (v < this.lastBucket) fail(line, `bucket le=${quoteForError(raw)} has ${v}, less than the previous bucket: buckets must be cumulative`);
        this.lastLe = le;
        this.lastBucket = v;
        if (le < 0) this.negBucket = true;
        if (le === Infinity) {
          this.hasInf = true;
          this.infValue = v;
        }
        return;
      }
      case Role.Value:
        if (t === 'summary') {
          const raw = s.slice(sc.specialValueStart, sc.specialValueEnd);
          const q = parseRealNumber(s, sc.specialValueStart, sc.specialValueEnd);
          if (q === undefined || q < 0 || q > 1) fail(line, `invalid quantile ${quoteForError(raw)}: must be a number from 0 to 1`);
          if (v < 0) fail(line, `quantile value must not be negative, got ${v}`);
        } else if (t === 'stateset') {
          if (v !== 0 && v !== 1) fail(line, `stateset sample must have value 0 or 1, got ${v}`);
        }
        return;
      case Role.Created:
        return;
    }
  }

  /** finishPoint checks the histogram rules of the metric point that just ended, and resets it. */
  private finishPoint(line: number): void {
    if (this.pointSamples > 0) {
      const t = this.famType;
      const q = quoteForError(this.fam);
      if (t === 'histogram' || t === 'gaugehistogram') {
        const count = t === 'histogram' ? '_count' : '_gcount';
        const sum = t === 'histogram' ? '_sum' : '_gsum';
        if (!this.hasInf) fail(line, `${t} ${q} has no bucket with le="+Inf"`);
        if (this.hasCount !== this.hasSum) fail(line, `${t} ${q} must have ${count} exactly when it has ${sum}`);
        if (this.hasCount && this.count !== this.infValue) fail(line, `${t} ${q}: ${count} ${this.count} differs from the +Inf bucket ${this.infValue}`);
        if (t === 'histogram' && this.hasSum && this.negBucket) fail(line, `histogram ${q} has negative buckets, so it must not have _sum`);
        if (t === 'gaugehistogram' && this.hasSum && this.sum < 0 && !this.negBucket) fail(line, `gaugehistogram ${q} has a negative _gsum without negative buckets`);
      }
    }
    this.pointRoles = 0;
    this.pointSamples = 0;
    this.lastLe = -Infinity;
    this.lastBucket = 0;
    this.hasInf = false;
    this.negBucket = false;
    this.hasCount = false;
    this.hasSum = false;
  }
}

function hasSpecialRole(t: MetricType): boolean {
  return t === 'summary' || t === 'stateset';
}

function nonNegative(line: number, name: string, v: number, integer: boolean): void {
  if (v !== v || v < 0) fail(line, `${quoteForError(name)} must be a non-negative number, got ${v}`);
  if (integer && v !== Infinity && !Number.isInteger(v)) fail(line, `${quoteForError(name)} must be an integer, got ${v}`);
}

/** segmentsEqual: key equals s[a1, b1) followed by s[a2, b2). */
function segmentsEqual(key: string, s: string, a1: number, b1: number, a2: number, b2: number): boolean {
  const n1 = b1 - a1;
  if (key.length !== n1 + (b2 - a2)) return false;
  for (let i = 0; i < n1; i++) if (key.charCodeAt(i) !== s.charCodeAt(a1 + i)) return false;
  for (let i = n1, j = a2; j < b2; i++, j++) if (key.charCodeAt(i) !== s.charCodeAt(j)) return false;
  return true;
}

function fail(line: number, reason: string): never {
  throw new ExpositionParseError(line, reason);
}

/**
 * LabelsBuilder: a label set being edited, with the exact semantics of Prometheus'
 * `labels.Builder` that relabeling depends on: edits are recorded against an immutable base,
 * `range` walks a snapshot (the base's untouched labels in order, then the set labels in the order
 * they were first set), and building returns the base itself when nothing changed.
 */
import { Labels } from '../model/labels.ts';

export class LabelsBuilder {
  #base: Labels;
  // Set labels, in first-set order; allocated on the first edit.
  #addNames: string[] | null = null;
  #addValues: string[] | null = null;
  // Deleted names (may repeat).
  #del: string[] | null = null;

  constructor(base: Labels) {
    this.#base = base;
  }

  /** reset starts over from `base`, keeping the allocated buffers for reuse. */
  reset(base: Labels): void {
    this.#base = base;
    if (this.#addNames) this.#addNames.length = this.#addValues!.length = 0;
    if (this.#del) this.#del.length = 0;
  }

  /** get returns the current value of `name`, or ''. */
  get(name: string): string {
    const an = this.#addNames;
    if (an) {
      const i = an.indexOf(name);
      if (i >= 0) return this.#addValues![i];
    }
    if (this.#del && this.#del.includes(name)) return '';
    return this.#base.get(name);
  }

  /** set sets `name` to `value`; an empty value deletes the label. */
  set(name: string, value: string): this {
    if (value === '') return this.del(name);
    if (!this.#addNames) {
      this.#addNames = [];
      this.#addValues = [];
    }
    const i = this.#addNames.indexOf(name);
    if (i >= 0) this.#addValues![i] = value;
    else {
      this.#addNames.push(name);
      this.#addValues!.push(value);
    }
    return this;
  }

  /** del removes `name`. */
  del(name: string): this {
    const an = this.#addNames;
    if (an) {
      const i = an.indexOf(name);
      if (i >= 0) {
        an.splice(i, 1);
        this.#addValues!.splice(i, 1);
      }
    }
    (this.#del ??= []).push(name);
    return this;
  }

  /**
   * range calls `fn` for each current label: first the base's labels that were neither set nor
   * deleted, in sorted order, then the set labels in first-set order. It walks a snapshot, so
   * `fn` may call set and del.
   */
  range(fn: (name: string, value: string) => void): void {
    const addN = this.#addNames ? this.#addNames.slice() : null;
    const addV = this.#addValues ? this.#addValues.slice() : null;
    const del = this.#del ? this.#del.slice() : null;
    const f = this.#base.flat;
    for (let i = 0; i < f.length; i += 2) {
      const n = f[i];
      if (del && del.includes(n)) continue;
      if (addN && addN.includes(n)) continue;
      fn(n, f[i + 1]);
    }
    if (addN) for (let i = 0; i < addN.length; i++) fn(addN[i], addV![i]);
  }

  /** labels returns the edited set; the base itself when the result equals it. */
  labels(): Labels {
    const addN = this.#addNames, del = this.#del;
    if ((!addN || addN.length === 0) && (!del || del.length === 0)) return this.#base; // fast path
    const f = this.#base.flat;
    const pairs: [string, string][] = [];
    for (let i = 0; i < f.length; i += 2) {
      const n = f[i];
      if (del && del.includes(n)) continue;
      if (addN && addN.includes(n)) continue;
      pairs.push([n, f[i + 1]]);
    }
    if (addN && addN.length > 0) {
      const addV = this.#addValues!;
      for (let i = 0; i < addN.length; i++) pairs.push([addN[i], addV[i]]);
      pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    }
    if (pairs.length * 2 === f.length) {
      let same = true;
      for (let i = 0; i < pairs.length && same; i++) same = pairs[i][0] === f[2 * i] && pairs[i][1] === f[2 * i + 1];
      if (same) return this.#base;
    }
    const flat: string[] = new Array(pairs.length * 2);
    for (let i = 0; i < pairs.length; i++) {
      flat[2 * i] = pairs[i][0];
      flat[2 * i + 1] = pairs[i][1];
    }
    return Labels.fromSortedFlat(flat);
  }
}

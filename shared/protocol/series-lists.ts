/**
 * SeriesLists: the edge's table of series lists on one connection. A BATCH names its series either
 * by a list id the hub already holds ("same series as list K", the steady state of a scrape) or by
 * defining a list in one of `maxLists` slots. Lists are found by a hash of their refs; when every
 * slot is taken, the least recently used list is replaced. The hub simply stores what it is told.
 */

/** ListChoice: the slot a batch uses, and whether the batch must (re)define it. */
export interface ListChoice {
  id: number;
  define: boolean;
}

/** SeriesLists: not for concurrent use; reset it on a new connection. */
export class SeriesLists {
  #slots: (Uint32Array | null)[] = [];
  #keys: string[] = [];
  #lastUse: number[] = [];
  #byKey = new Map<string, number[]>();
  #clock = 0;

  constructor(private maxLists: number) {
    if (!(maxLists >= 1)) throw new Error(`BUG: maxLists ${maxLists} must be at least 1`);
  }

  /** reset forgets every list, optionally with a new number of slots. */
  reset(maxLists = this.maxLists): void {
    if (!(maxLists >= 1)) throw new Error(`BUG: maxLists ${maxLists} must be at least 1`);
    this.maxLists = maxLists;
    this.#slots = [];
    this.#keys = [];
    this.#lastUse = [];
    this.#byKey.clear();
    this.#clock = 0;
  }

  /**
   * choose returns the slot holding exactly `refs`, or picks a slot to define it in (a free one,
   * else the least recently used). The table records the choice at once, keeping a copy of `refs`
   * (the caller may reuse its array).
   */
  choose(refs: Uint32Array): ListChoice {
    const key = listKey(refs);
    const clock = ++this.#clock;
    const candidates = this.#byKey.get(key);
    if (candidates) {
      for (const id of candidates) {
        if (sameRefs(this.#slots[id]!, refs)) {
          this.#lastUse[id] = clock;
          return { id, define: false };
        }
      }
    }
    let id: number;
    if (this.#slots.length < this.maxLists) {
      id = this.#slots.length;
      this.#slots.push(null);
      this.#keys.push('');
      this.#lastUse.push(0);
    } else {
      // Slow path: every slot is taken; replace the least recently used list.
      id = 0;
      for (let i = 1; i < this.#lastUse.length; i++) if (this.#lastUse[i] < this.#lastUse[id]) id = i;
      const old = this.#byKey.get(this.#keys[id])!;
      old.splice(old.indexOf(id), 1);
      if (old.length === 0) this.#byKey.delete(this.#keys[id]);
    }
    this.#slots[id] = refs.slice();
    this.#keys[id] = key;
    this.#lastUse[id] = clock;
    const same = this.#byKey.get(key); // re-read: replacing a slot may have emptied the entry
    if (same) same.push(id);
    else this.#byKey.set(key, [id]);
    return { id, define: true };
  }
}

function listKey(refs: Uint32Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < refs.length; i++) h = Math.imul(h ^ refs[i], 0x01000193);
  return `${refs.length}:${h >>> 0}`;
}

function sameRefs(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

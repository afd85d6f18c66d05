/**
 * What the uplink backlog's log holds and how a restart reads it back: the names of its position
 * records (`b` before each batch's samples record, `done`, `hub`, `sent`) and the replay that
 * rebuilds the label sets, pending batches, done set, hub position and sent map from them.
 */
import type { Labels } from '../../shared/model/labels.ts';
import type { WALRecord } from '../../shared/tsdb/wal/index.ts';
import { AckedSet } from './acked.ts';

/** Position record names: a batch id, the done set, the hub's acked sequence, a sent sequence's ids. */
export const B = 'b', DONE = 'done', HUB = 'hub', SENT = 'sent';

/** ReplayState: what replay rebuilt. */
export interface ReplayState {
  labels: Map<number, Labels>;
  lastUse: Map<number, number>;
  pending: Map<number, number>;
  done: AckedSet;
  lastId: number;
  hubSeq: number;
  sent: Map<number, number[]>;
  currentId: number;
}

export function newReplayState(): ReplayState {
  return { labels: new Map(), lastUse: new Map(), pending: new Map(), done: new AckedSet(), lastId: 0, hubSeq: 0, sent: new Map(), currentId: 0 };
}

/** applyRecord folds one replayed record into the state. */
export function applyRecord(s: ReplayState, rec: WALRecord): void {
  switch (rec.type) {
    case 'series':
      for (const e of rec.series) s.labels.set(e.ref, e.labels);
      return;
    case 'samples':
      if (s.currentId > 0) {
        s.pending.set(s.currentId, rec.refs.length);
        for (let i = 0; i < rec.refs.length; i++) s.lastUse.set(rec.refs[i], s.currentId);
      }
      s.currentId = 0;
      return;
    case 'position':
      if (rec.name === B) {
        s.currentId = rec.seq;
        s.lastId = Math.max(s.lastId, rec.seq);
      } else if (rec.name === DONE) {
        s.done.raise(rec.seq);
        for (const id of AckedSet.decodeAbove(rec.data)) s.done.add(id);
      } else if (rec.name === HUB) {
        s.hubSeq = Math.max(s.hubSeq, rec.seq);
      } else if (rec.name === SENT) {
        s.sent.set(rec.seq, AckedSet.decodeAbove(rec.data));
      }
      return;
  }
}


// Decoding chunks the host supplies (read from block files, or exported by exportChunks): one
// call decodes the chunk lists of many series into one batch. Chunks of a series may overlap in
// time (several blocks, out-of-order chunks); such a series is sorted and de-duplicated.
import { decodeXor, chunkSampleCount } from './xor-decode';
import { decodeDense, denseSampleCount, ENC_DENSE } from './dense-decode';
import { sortDedupe } from './merge';
import { allocBatch } from './batch';
import { toTime, ENC_XOR } from './head-read';
import {
  setError, ERR_CORRUPT_CHUNK, ERR_BAD_ENCODING, ERR_BAD_CHUNK_OFFSET, ERR_BAD_SERIES_START, ERR_SAMPLE_COUNT,
} from './errors';

/**
 * decodeChunks decodes `chunkCount` chunks held in data[0..dataLen) into a new batch of
 * `seriesCount` series and returns its address, or 0 after setError.
 *
 * Chunk i spans data[offsets[i], offsets[i+1]) (the last one ends at dataLen): an encoding byte
 * (1 = XOR, 2 = dense) then the chunk; each chunk is decoded by its own encoding. Series s owns
 * chunks [starts[s], starts[s+1]) (the last one owns up to chunkCount). Only samples with
 * mint ≤ t ≤ maxt are kept. If `counts` is not 0, chunk i must hold exactly counts[i] samples
 * (u32s; else ERR_SAMPLE_COUNT). data must have 8 readable bytes past dataLen (the host pads it).
 * With `skipValues`, dense chunks may leave values unread (0), all but their staleness markers
 * and other exceptions (decodeDense): for a reader of the times and the markers alone.
 */
export function decodeChunks(
  data: usize, dataLen: u32, offsets: usize, chunkCount: u32,
  starts: usize, seriesCount: u32, mintF: f64, maxtF: f64, counts: usize, skipValues: bool,
): usize {
  // Validate the layout and bound the sample count.
  let room: u64 = 0;
  for (let i: u32 = 0; i < chunkCount; i++) {
    const off = load<u32>(offsets + (<usize>i << 2));
    const end = i + 1 < chunkCount ? load<u32>(offsets + (<usize>(i + 1) << 2)) : dataLen;
    if (end > dataLen || off > end || end - off < 3) {
      setError(ERR_BAD_CHUNK_OFFSET, i);
      return 0;
    }
    const enc = load<u8>(data + off);
    if (enc != ENC_XOR && enc != ENC_DENSE) {
      setError(ERR_BAD_ENCODING, i);
      return 0;
    }
    const count = enc == ENC_XOR ? <i32>chunkSampleCount(data + off + 1) : denseSampleCount(data + off + 1, end - off - 1);
    if (count < 0) {
      setError(ERR_CORRUPT_CHUNK, i);
      return 0;
    }
    if (counts != 0 && <u32>count != load<u32>(counts + (<usize>i << 2))) {
      setError(ERR_SAMPLE_COUNT, i);
      return 0;
    }
    room += <u64>count;
  }
  for (let s: u32 = 0; s < seriesCount; s++) {
    const first = load<u32>(starts + (<usize>s << 2));
    const next = s + 1 < seriesCount ? load<u32>(starts + (<usize>(s + 1) << 2)) : chunkCount;
    if (first > next || next > chunkCount) {
      setError(ERR_BAD_SERIES_START, s);
      return 0;
    }
  }
  const mint = toTime(mintF), maxt = toTime(maxtF);
  const b = allocBatch(seriesCount, room);
  if (b == null) return 0;
  let pos: u32 = 0;
  for (let s: u32 = 0; s < seriesCount; s++) {
    store<i32>(b.offsets + (<usize>s << 2), <i32>pos);
    const first = load<u32>(starts + (<usize>s << 2));
    const next = s + 1 < seriesCount ? load<u32>(starts + (<usize>(s + 1) << 2)) : chunkCount;
    const ts = b.ts + (<usize>pos << 3);
    const vs = b.vs + (<usize>pos << 3);
    let n: u32 = 0;
    let ordered = true;
    for (let i = first; i < next; i++) {
      const off = load<u32>(offsets + (<usize>i << 2));
      const end = i + 1 < chunkCount ? load<u32>(offsets + (<usize>(i + 1) << 2)) : dataLen;
      const chunk = data + off + 1, len = end - off - 1;
      const outTs = ts + (<usize>n << 3), outVs = vs + (<usize>n << 3);
      const got = load<u8>(data + off) == ENC_XOR
        ? decodeXor(chunk, len, mint, maxt, outTs, outVs)
        : decodeDense(chunk, len, mint, maxt, outTs, outVs, skipValues);
      if (got < 0) {
        heap.free(changetype<usize>(b));
        setError(ERR_CORRUPT_CHUNK, i);
        return 0;
      }
      if (got > 0 && n > 0 && load<f64>(ts + (<usize>n << 3)) <= load<f64>(ts + (<usize>(n - 1) << 3))) ordered = false;
      n += <u32>got;
    }
    if (!ordered) n = sortDedupe(ts, vs, n);
    pos += n;
  }
  store<i32>(b.offsets + (<usize>seriesCount << 2), <i32>pos);
  b.sampleCount = pos;
  return changetype<usize>(b);
}

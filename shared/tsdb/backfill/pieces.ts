/**
 * Reading a text file of any size as pieces of whole lines, for parsers that take one string:
 * the file is read in chunks (never whole), each piece is decoded from UTF-8 (a cut at a newline
 * byte never splits a character), and the last complete line read so far is always held back
 * until more of the file follows it. So the final piece, and only it, holds the file's last
 * line: an OpenMetrics `# EOF` can be told from one in the middle of the file without reading ahead.
 */
import { isAscii } from 'node:buffer';
import { open } from 'node:fs/promises';

/** Piece: whole lines of the file. `final` marks the last piece (possibly without a trailing newline). */
export interface Piece {
  text: string;
  final: boolean;
}

/** DEFAULT_PIECE_BYTES: how much is read at a time (a longer line makes its piece longer). */
export const DEFAULT_PIECE_BYTES = 16 << 20;

/**
 * readPieces yields the file at `path` as pieces of about `pieceBytes` bytes of whole lines, in
 * order; their concatenation is the file. The last piece is yielded with final = true (an empty
 * file yields one empty final piece). The file is closed when the generator ends or is returned
 * early. Read errors reject naming the file.
 */
export async function* readPieces(path: string, pieceBytes = DEFAULT_PIECE_BYTES): AsyncGenerator<Piece> {
  let fh: import('node:fs/promises').FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new Error(`open ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    let buf = Buffer.allocUnsafe(pieceBytes * 2);
    let len = 0; // bytes held in buf: lines not yet yielded
    for (;;) {
      if (len === buf.length) {
        // One line longer than what the buffer holds: grow it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      let bytesRead: number;
      try {
        ({ bytesRead } = await fh.read(buf, len, Math.min(pieceBytes, buf.length - len), null));
      } catch (err) {
        throw new Error(`read ${path}: ${(err as Error).message}`, { cause: err });
      }
      if (bytesRead === 0) {
        yield { text: decode(buf, len), final: true };
        return;
      }
      len += bytesRead;
      const last = buf.lastIndexOf(10, len - 1);
      if (last <= 0) continue;
      const cut = buf.lastIndexOf(10, last - 1) + 1; // keep the last complete line back
      if (cut === 0) continue;
      yield { text: decode(buf, cut), final: false };
      buf.copy(buf, 0, cut, len);
      len -= cut;
    }
  } finally {
    await fh.close();
  }
}

/** decode decodes buf[0, end) from UTF-8; fast path: ASCII text (the usual case) decodes as latin1, byte for byte. */
function decode(buf: Buffer, end: number): string {
  const bytes = buf.subarray(0, end);
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

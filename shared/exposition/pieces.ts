/**
 * PagePieces: a scraped page held as UTF-8 bytes, decoded a piece at a time. Each piece is about
 * PIECE_BYTES long and ends just after a '\n' (only the page's last piece may end without one),
 * so no line is ever split and both parsers read a piece exactly as they read a whole page. The
 * point is the garbage collector: a whole page decoded at once is a string of about a megabyte,
 * which V8 puts in large-object space, and each scrape's page then survives until the next
 * Mark-Compact; pieces below V8's regular-object limit (128 KiB) die young in a scavenge.
 * Splitting at '\n' bytes never cuts a UTF-8 sequence (no byte of one is 0x0A), so the pieces
 * decode to exactly the text that decoding the whole buffer gives.
 */

/**
 * PIECE_BYTES: the usual piece size. A piece is at most twice this many bytes of UTF-16 when the
 * text is not Latin-1, 64 KiB, which keeps it in V8's young generation.
 */
export const PIECE_BYTES = 32 * 1024;

const NL = 10;

/** PieceSource: what a parser pulls its text from, piece by piece. */
export interface PieceSource {
  /** next decodes the next piece, or returns undefined once the page is used up. */
  next(): string | undefined;
  /** done: every piece has been handed out. */
  readonly done: boolean;
}

/**
 * PagePieces reads `page` (borrowed: the caller must not change it until parsing ends). Not safe
 * for concurrent use.
 */
export class PagePieces implements PieceSource {
  readonly #page: Buffer;
  readonly #size: number;
  #pos = 0;

  constructor(page: Buffer, pieceBytes = PIECE_BYTES) {
    if (!(pieceBytes >= 1)) throw new Error(`BUG: piece size ${pieceBytes}`);
    this.#page = page;
    this.#size = pieceBytes;
  }

  get done(): boolean {
    return this.#pos >= this.#page.length;
  }

  next(): string | undefined {
    const page = this.#page;
    const from = this.#pos;
    const end = page.length;
    if (from >= end) return undefined;
    let cut = from + this.#size;
    if (cut >= end) {
      cut = end;
    } else {
      // Fast path: the last '\n' within the piece's bytes ends it.
      const nl = page.lastIndexOf(NL, cut - 1);
      if (nl >= from) cut = nl + 1;
      else {
        // Slow path: a line longer than a piece becomes a piece of its own.
        const after = page.indexOf(NL, cut);
        cut = after < 0 ? end : after + 1;
      }
    }
    this.#pos = cut;
    return page.toString('utf8', from, cut);
  }
}

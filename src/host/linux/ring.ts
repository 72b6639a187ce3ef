/**
 * A single-producer single-consumer byte ring in a SharedArrayBuffer: how a
 * KernelReader's worker hands what it read to the main thread without a
 * message. The worker copies a chunk in, publishes it with Atomics.store and
 * Atomics.notify; the main thread is woken by Atomics.waitAsync and copies
 * it out. Against postMessage this spares the structured clone, the
 * transfer and the MessagePort's event dispatch on every chunk: about a
 * third of the worker → main hop for a lone event (a few tens of µs).
 *
 * Layout: four Int32 control words (HEAD = bytes ever written, TAIL = bytes
 * ever consumed, both wrapping int32 counters), then CAP data bytes (a power
 * of two). A chunk is [len:i32][n:i32][len bytes, padded to 4]; `n` is the
 * worker's message number, which orders ring chunks among the messages that
 * still go by postMessage (see reader.ts). A chunk never wraps: when it does
 * not fit before the end, the word there is set to -1 and it starts at 0.
 * A chunk that does not fit at all is refused (`put` → false) and the caller
 * posts it instead: the ring never blocks the worker.
 */

const HEAD = 0;
const TAIL = 1;
const CONTROL_BYTES = 16;
const WRAP = -1;

/** A SharedArrayBuffer for a ring of `capacity` data bytes (rounded up to a power of two, at least 4 KiB). */
export function createRingBuffer(capacity: number): SharedArrayBuffer {
  let cap = 4096;
  while (cap < capacity) cap *= 2;
  return new SharedArrayBuffer(CONTROL_BYTES + cap);
}

class RingView {
  protected readonly control: Int32Array;
  protected readonly words: Int32Array;
  protected readonly bytes: Uint8Array;
  protected readonly cap: number;

  constructor(sab: SharedArrayBuffer) {
    this.cap = sab.byteLength - CONTROL_BYTES;
    this.control = new Int32Array(sab, 0, CONTROL_BYTES >> 2);
    this.words = new Int32Array(sab, CONTROL_BYTES, this.cap >> 2);
    this.bytes = new Uint8Array(sab, CONTROL_BYTES, this.cap);
  }
}

/** The worker's side. */
export class RingWriter extends RingView {
  private head: number;

  constructor(sab: SharedArrayBuffer) {
    super(sab);
    this.head = Atomics.load(this.control, HEAD);
  }

  /** Append `src[0, len)` as message `n` and wake the reader; false (nothing written) when it does not fit now. */
  put(src: Uint8Array, len: number, n: number): boolean {
    const need = 8 + ((len + 3) & ~3);
    const pos = this.head & (this.cap - 1);
    const skip = this.cap - pos < need ? this.cap - pos : 0;
    const used = (this.head - Atomics.load(this.control, TAIL)) | 0;
    if (this.cap - used < skip + need) return false;
    let at = pos;
    if (skip !== 0) {
      this.words[pos >> 2] = WRAP;
      at = 0;
    }
    this.words[at >> 2] = len;
    this.words[(at >> 2) + 1] = n;
    this.bytes.set(len === src.length ? src : src.subarray(0, len), at + 8);
    this.head = (this.head + skip + need) | 0;
    Atomics.store(this.control, HEAD, this.head); // publishes the bytes above (Atomics are sequentially consistent)
    Atomics.notify(this.control, HEAD);
    return true;
  }
}

type WaitAsync = (array: Int32Array, index: number, value: number) => { async: boolean; value: Promise<unknown> | string };

/** Atomics.waitAsync where the runtime has it (Node 16+), else undefined: then nothing goes through a ring. */
export const waitAsync: WaitAsync | undefined = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

/** The main thread's side. */
export class RingReader extends RingView {
  private tail: number;
  /** HEAD as peek() last loaded it: a wait is for HEAD to move past it. */
  private seenHead: number;
  /** Where the chunk found by peek() starts, and its length. */
  private at = 0;
  private len = 0;

  constructor(sab: SharedArrayBuffer) {
    super(sab);
    this.tail = Atomics.load(this.control, TAIL);
    this.seenHead = this.tail;
  }

  /** The message number of the next chunk, or -1 when the ring is empty. */
  peek(): number {
    const head = Atomics.load(this.control, HEAD);
    this.seenHead = head;
    while (this.tail !== head) {
      const pos = this.tail & (this.cap - 1);
      const len = this.words[pos >> 2]!;
      if (len === WRAP) {
        this.tail = (this.tail + this.cap - pos) | 0;
        Atomics.store(this.control, TAIL, this.tail);
        continue;
      }
      this.at = pos;
      this.len = len;
      return this.words[(pos >> 2) + 1]!;
    }
    return -1;
  }

  /** The chunk peek() found, copied out (its room is given back to the writer at once). */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.len);
    out.set(this.bytes.subarray(this.at + 8, this.at + 8 + this.len));
    this.tail = (this.tail + 8 + ((this.len + 3) & ~3)) | 0;
    Atomics.store(this.control, TAIL, this.tail);
    return out;
  }

  /**
   * Wait for HEAD to move past what peek() last saw: `async` false when it
   * already has (peek again), else `value` resolves when it does (or at
   * release()).
   */
  waitAsync(): { async: boolean; value: Promise<unknown> | string } {
    return waitAsync!(this.control, HEAD, this.seenHead);
  }

  /** Wake a pending waitAsync (used when the reader stops, so the waiter is released). */
  release(): void {
    Atomics.notify(this.control, HEAD);
  }
}

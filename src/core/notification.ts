/**
 * The per-group notification queue (fs/notify/notification.c).
 *
 * A group queues events until its reader removes them. The queue is bounded
 * by `maxEvents`. When an event arrives on a full queue it is dropped and the
 * group's single preallocated overflow event is appended instead, unless it
 * is already queued; the overflow event counts in the length, so after an
 * overflow a reader must remove two entries before a new event fits (rule
 * C11). No merge is attempted when the queue is full. Otherwise, on a
 * non-empty queue, the front-end's merge rule may fold the new event into a
 * queued one (inotify: identical to the tail; fanotify: same object, any
 * queued event). A shut-down queue accepts nothing.
 */

export type AddResult = 'queued' | 'merged' | 'dropped';

/** A front-end's merge rule: fold `event` into a queued one and return true, or return false. */
export type MergeRule<E> = (queue: NotificationQueue<E>, event: E) => boolean;

export class NotificationQueue<E> {
  /** Ring of queued events; `head` is the oldest. */
  private ring: (E | undefined)[];
  private head = 0;
  private len = 0;
  maxEvents: number;
  readonly overflowEvent: E;
  private overflowQueued = false;
  shutdown = false;
  /** Called after an event (or the overflow event) is appended: wakes readers. */
  onQueued: (() => void) | null = null;

  constructor(maxEvents: number, overflowEvent: E) {
    this.maxEvents = maxEvents;
    this.overflowEvent = overflowEvent;
    this.ring = new Array<E | undefined>(16);
  }

  get length(): number {
    return this.len;
  }

  isEmpty(): boolean {
    return this.len === 0;
  }

  /** Insert an event (fsnotify_insert_event). */
  add(event: E, merge: MergeRule<E> | null): AddResult {
    if (this.shutdown) return 'dropped';
    if (event === this.overflowEvent || this.len >= this.maxEvents) {
      if (this.overflowQueued) return 'dropped';
      this.overflowQueued = true;
      this.push(this.overflowEvent);
      return 'dropped';
    }
    if (this.len !== 0 && merge !== null && merge(this, event)) return 'merged';
    this.push(event);
    return 'queued';
  }

  private push(event: E): void {
    if (this.len === this.ring.length) this.grow();
    this.ring[(this.head + this.len) & (this.ring.length - 1)] = event;
    this.len++;
    this.onQueued?.();
  }

  private grow(): void {
    const old = this.ring;
    const next = new Array<E | undefined>(old.length * 2);
    for (let i = 0; i < this.len; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.ring = next;
    this.head = 0;
  }

  /** The oldest event, without removing it. */
  peek(): E | undefined {
    return this.len === 0 ? undefined : this.ring[this.head];
  }

  /** The newest event (what inotify's merge rule compares with). */
  tail(): E | undefined {
    return this.len === 0 ? undefined : this.ring[(this.head + this.len - 1) & (this.ring.length - 1)];
  }

  /** The i-th queued event, oldest first. */
  at(i: number): E | undefined {
    return i < 0 || i >= this.len ? undefined : this.ring[(this.head + i) & (this.ring.length - 1)];
  }

  /** Remove and return the oldest event (fsnotify_remove_first_event). */
  shift(): E | undefined {
    if (this.len === 0) return undefined;
    const e = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.len--;
    if (e === this.overflowEvent) this.overflowQueued = false;
    return e;
  }

  /** Remove a specific queued event (used for permission events that are cancelled). */
  remove(event: E): boolean {
    for (let i = 0; i < this.len; i++) {
      const idx = (this.head + i) & (this.ring.length - 1);
      if (this.ring[idx] === event) {
        for (let j = i; j < this.len - 1; j++) {
          this.ring[(this.head + j) & (this.ring.length - 1)] = this.ring[(this.head + j + 1) & (this.ring.length - 1)];
        }
        this.ring[(this.head + this.len - 1) & (this.ring.length - 1)] = undefined;
        this.len--;
        if (event === this.overflowEvent) this.overflowQueued = false;
        return true;
      }
    }
    return false;
  }

  /** Drop everything (fsnotify_flush_notify). Returns the dropped events. */
  flush(): E[] {
    const out: E[] = [];
    for (let e = this.shift(); e !== undefined; e = this.shift()) out.push(e);
    return out;
  }

  *[Symbol.iterator](): IterableIterator<E> {
    for (let i = 0; i < this.len; i++) yield this.ring[(this.head + i) & (this.ring.length - 1)]!;
  }
}

/**
 * Readers blocked until a queue has something (the group's wait queue,
 * notification_waitq): every waiter shares one promise, and one wake
 * releases them all.
 */
export class ReadWaiters {
  private waiting: Promise<void> | null = null;
  private release: (() => void) | null = null;

  /** Someone is waiting. */
  get pending(): boolean {
    return this.waiting !== null;
  }

  /** Resolves at the next wake(). */
  wait(): Promise<void> {
    this.waiting ??= new Promise<void>((resolve) => {
      this.release = resolve;
    });
    return this.waiting;
  }

  /** Release every waiter (in a microtask when `deferred`). False when nobody waited. */
  wake(deferred = false): boolean {
    const release = this.release;
    if (release === null) return false;
    this.release = null;
    this.waiting = null;
    if (deferred) queueMicrotask(release);
    else release();
    return true;
  }
}

/**
 * Loss accounting shared by the throughput and burst workloads: which
 * touched paths some event named (as its path or old path), when each was
 * first named, and the lost ones counted by what the generator did to them.
 */
export class Coverage {
  /** path → harness time it was first named. */
  private readonly firstSeen = new Map<string, number>();

  note(path: string, oldPath: string | undefined, atMs: number): void {
    if (!this.firstSeen.has(path)) this.firstSeen.set(path, atMs);
    if (oldPath !== undefined && !this.firstSeen.has(oldPath)) this.firstSeen.set(oldPath, atMs);
  }

  /** Lost paths by kind, and the time the last touched path was first named. */
  against(touched: ReadonlyMap<string, string>): { lost: number; lostKinds: Record<string, number>; lastSeenMs: number } {
    const lostKinds: Record<string, number> = {};
    let lost = 0;
    let lastSeenMs = 0;
    for (const [path, kind] of touched) {
      const seen = this.firstSeen.get(path);
      if (seen === undefined) {
        lost += 1;
        lostKinds[kind] = (lostKinds[kind] ?? 0) + 1;
      } else if (seen > lastSeenMs) {
        lastSeenMs = seen;
      }
    }
    return { lost, lostKinds, lastSeenMs };
  }
}

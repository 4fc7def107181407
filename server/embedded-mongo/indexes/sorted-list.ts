/**
 * A sorted multiset of strings stored as a list of chunks (the "sorted containers" layout): inserts and
 * deletes cost O(log n) comparisons plus a splice within one small chunk, range scans are O(log n + k).
 * Chosen over a balanced tree because it is short, cache-friendly and fast enough for millions of keys.
 */
const CHUNK_LOAD = 512;

function lowerBound(arr: readonly string[], s: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as string) < s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SortedStringList {
  private chunks: string[][] = [];
  /** Last (largest) element of each chunk, for the chunk-level binary search. */
  private maxes: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(s: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push([s]);
      this.maxes.push(s);
      this.count = 1;
      return;
    }
    let ci = lowerBound(this.maxes, s);
    if (ci === this.chunks.length) ci -= 1;
    const chunk = this.chunks[ci] as string[];
    chunk.splice(lowerBound(chunk, s), 0, s);
    this.count += 1;
    if (chunk.length > 2 * CHUNK_LOAD) {
      const upper = chunk.splice(CHUNK_LOAD);
      this.chunks.splice(ci + 1, 0, upper);
      this.maxes.splice(ci + 1, 0, upper[upper.length - 1] as string);
    }
    this.maxes[ci] = chunk[chunk.length - 1] as string;
  }

  /** Removes one occurrence; false when absent. */
  delete(s: string): boolean {
    const ci = lowerBound(this.maxes, s);
    const chunk = this.chunks[ci];
    if (!chunk) return false;
    const pos = lowerBound(chunk, s);
    if (chunk[pos] !== s) return false;
    chunk.splice(pos, 1);
    this.count -= 1;
    if (chunk.length === 0) {
      this.chunks.splice(ci, 1);
      this.maxes.splice(ci, 1);
    } else {
      this.maxes[ci] = chunk[chunk.length - 1] as string;
    }
    return true;
  }

  /**
   * Elements `e` with `lo <= e < hi`, ascending (or descending when `reverse`). The list must not be
   * modified while the iterator is live; callers collect candidates before they write.
   */
  *range(lo: string, hi: string, reverse = false): Generator<string> {
    if (!reverse) {
      let ci = lowerBound(this.maxes, lo);
      let pos = ci < this.chunks.length ? lowerBound(this.chunks[ci] as string[], lo) : 0;
      for (; ci < this.chunks.length; ci++, pos = 0) {
        const chunk = this.chunks[ci] as string[];
        for (; pos < chunk.length; pos++) {
          const e = chunk[pos] as string;
          if (e >= hi) return;
          yield e;
        }
      }
      return;
    }
    let ci = lowerBound(this.maxes, hi);
    if (ci >= this.chunks.length) ci = this.chunks.length - 1;
    let pos = ci >= 0 ? lowerBound(this.chunks[ci] as string[], hi) - 1 : -1;
    for (; ci >= 0; ci--) {
      const chunk = this.chunks[ci] as string[];
      if (pos === Number.MAX_SAFE_INTEGER) pos = chunk.length - 1;
      for (; pos >= 0; pos--) {
        const e = chunk[pos] as string;
        if (e < lo) return;
        yield e;
      }
      pos = Number.MAX_SAFE_INTEGER;
    }
  }

  /** The first element in [lo, hi) accepted by `accept`, without allocating an iterator. */
  firstInRange(lo: string, hi: string, accept: (e: string) => boolean): string | undefined {
    let ci = lowerBound(this.maxes, lo);
    let pos = ci < this.chunks.length ? lowerBound(this.chunks[ci] as string[], lo) : 0;
    for (; ci < this.chunks.length; ci++, pos = 0) {
      const chunk = this.chunks[ci] as string[];
      for (; pos < chunk.length; pos++) {
        const e = chunk[pos] as string;
        if (e >= hi) return undefined;
        if (accept(e)) return e;
      }
    }
    return undefined;
  }

  clear(): void {
    this.chunks = [];
    this.maxes = [];
    this.count = 0;
  }
}

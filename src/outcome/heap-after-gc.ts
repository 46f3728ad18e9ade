import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

let observer: PerformanceObserver | undefined;
let lastBytes: number | null = null;

/**
 * The V8 heap in use right after the last full collection: what the process really keeps. The
 * heap between collections says how lazily V8 collects, not what is alive: on a machine with
 * gigabytes to spare it lets garbage pile up to hundreds of MB before a full collection (bench/
 * figure 11: 150 → 500 MB and back, over and over), so RSS and heap-used rise where nothing
 * leaks. A rise of this one is what a leak looks like. One observer per process, as the heap is;
 * it holds no handle, so it never keeps the process alive. Null until the first full collection.
 */
export function heapAfterFullGcBytes(): number | null {
  if (!observer) {
    observer = new PerformanceObserver((list) => {
      const full = list.getEntries().some((entry) => (entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
      // Read when the observer runs, just after the collection: a little allocated since, at most.
      if (full) lastBytes = getHeapStatistics().used_heap_size;
    });
    observer.observe({ entryTypes: ['gc'] });
  }
  return lastBytes;
}

/**
 * The greedy in-order lower bound of a sleep workload: `slots` workers take the jobs in order, each
 * job starting the moment a slot frees (no queue overhead at all); the bound is when the last one
 * ends. A queue that starts jobs in order cannot finish before it, however fast it claims. A binary
 * min-heap of the slots' free times keeps it O(n log slots).
 */
export function greedyBound(durations: readonly number[], slots: number): number {
  const heap: number[] = [];
  const push = (t: number) => {
    heap.push(t);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= heap[i]!) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  };
  const popMin = (): number => {
    const min = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l]! < heap[m]!) m = l;
        if (r < heap.length && heap[r]! < heap[m]!) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return min;
  };
  for (let i = 0; i < slots; i++) push(0);
  let end = 0;
  for (const d of durations) {
    const finish = popMin() + d;
    end = Math.max(end, finish);
    push(finish);
  }
  return end;
}

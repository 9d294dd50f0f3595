/**
 * Binary heap priority queue. By default the smallest element is served
 * first; pass a custom comparator for max-heaps or object priorities.
 */
class PriorityQueue {
  constructor(compare = (a, b) => a - b) {
    this._heap = [];
    this._compare = compare;
  }

  get size() {
    return this._heap.length;
  }

  isEmpty() {
    return this._heap.length === 0;
  }

  peek() {
    return this._heap[0];
  }

  push(...values) {
    for (const value of values) {
      this._heap.push(value);
      this._siftUp(this._heap.length - 1);
    }
    return this.size;
  }

  pop() {
    const heap = this._heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0) {
      heap[0] = last;
      this._siftDown(0);
    }
    return top;
  }

  _less(i, j) {
    return this._compare(this._heap[i], this._heap[j]) < 0;
  }

  _swap(i, j) {
    [this._heap[i], this._heap[j]] = [this._heap[j], this._heap[i]];
  }

  _siftUp(i) {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this._less(i, parent)) break;
      this._swap(i, parent);
      i = parent;
    }
  }

  _siftDown(i) {
    const n = this._heap.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this._less(left, smallest)) smallest = left;
      if (right < n && this._less(right, smallest)) smallest = right;
      if (smallest === i) return;
      this._swap(i, smallest);
      i = smallest;
    }
  }

  *drain() {
    while (!this.isEmpty()) yield this.pop();
  }
}

module.exports = PriorityQueue;

if (require.main === module) {
  const jobs = new PriorityQueue((a, b) => a.priority - b.priority || a.id - b.id);
  jobs.push(
    { id: 1, priority: 3, name: 'send newsletter' },
    { id: 2, priority: 1, name: 'charge card' },
    { id: 3, priority: 2, name: 'resize images' },
    { id: 4, priority: 1, name: 'refund order' },
  );
  for (const job of jobs.drain()) console.log(job.priority, job.name);
}

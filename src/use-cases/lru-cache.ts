// A least-recently-used cache bounded by a total size (bytes, or any measure the caller gives).

export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();
  private total = 0;

  constructor(private readonly capacity: number, private readonly sizeOf: (value: V) => number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.total -= this.sizeOf(old);
      this.entries.delete(key);
    }
    this.entries.set(key, value);
    this.total += this.sizeOf(value);
    for (const [k, v] of this.entries) {
      if (this.total <= this.capacity || this.entries.size === 1) break;
      this.entries.delete(k);
      this.total -= this.sizeOf(v);
    }
  }
}

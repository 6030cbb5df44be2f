/**
 * A set that remembers only the last `capacity` keys added, so a long scan keeps
 * flat memory. Used where repeats arrive close together (a record read twice, one
 * change logged as application and service principal entries).
 */
export class RecentKeys {
  private readonly keys = new Set<string>();
  private readonly ring: string[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Adds a key, forgetting the oldest once full. */
  add(key: string): void {
    if (this.keys.has(key)) return;
    this.keys.add(key);
    if (this.ring.length < this.capacity) {
      this.ring.push(key);
      return;
    }
    this.keys.delete(this.ring[this.next]!);
    this.ring[this.next] = key;
    this.next = (this.next + 1) % this.capacity;
  }

  get size(): number {
    return this.keys.size;
  }
}

/** Reservoir sampling (Vitter's Algorithm R): a uniform sample of k items from a stream of unknown length. */
import { randInt } from "./prng.ts";

export class Reservoir<T> {
  readonly items: T[] = [];
  /** Items offered so far. */
  seen = 0;

  constructor(
    readonly capacity: number,
    private readonly rng: () => number,
  ) {}

  /** Offers one item; after n offers each is held with probability min(1, k / n). */
  offer(item: T): void {
    this.seen++;
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    const j = randInt(this.rng, this.seen);
    if (j < this.capacity) this.items[j] = item;
  }
}

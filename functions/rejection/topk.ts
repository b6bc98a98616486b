/** The best k distinct completions of one prompt, kept while streaming. */
import { createHash } from "node:crypto";

/**
 * Hash of the text lower-cased with whitespace runs collapsed to one space and trimmed, so that
 * samples differing only in case or spacing count as duplicates.
 *
 * @example normalizedTextHash("A  b\n") === normalizedTextHash("a b") // true
 */
export function normalizedTextHash(text: string): string {
  return createHash("sha1").update(text.toLowerCase().replace(/\s+/g, " ").trim()).digest("base64");
}

export interface Ranked {
  id: string;
  hash: string;
}

/**
 * Up to k items with distinct hashes, best first by `better` (a strict total order). Offering an
 * item whose hash is held keeps the better of the two (the other is a "duplicate"); offering one
 * more than k evicts the worst ("over_keep"). The result equals: best item per hash, then the best k.
 */
export class TopK<T extends Ranked> {
  readonly items: T[] = [];

  constructor(
    private readonly k: number,
    private readonly better: (a: T, b: T) => boolean,
  ) {}

  /** Returns what was dropped by this offer, if anything. */
  offer(item: T): { dropped: T; reason: "duplicate" | "over_keep" } | null {
    const same = this.items.findIndex((x) => x.hash === item.hash);
    if (same >= 0) {
      const held = this.items[same] as T;
      if (!this.better(item, held)) return { dropped: item, reason: "duplicate" };
      this.items.splice(same, 1);
      this.insert(item);
      return { dropped: held, reason: "duplicate" };
    }
    this.insert(item);
    if (this.items.length > this.k) return { dropped: this.items.pop() as T, reason: "over_keep" };
    return null;
  }

  private insert(item: T): void {
    let i = this.items.length;
    while (i > 0 && this.better(item, this.items[i - 1] as T)) i--;
    this.items.splice(i, 0, item);
  }
}

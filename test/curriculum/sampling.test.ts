import { describe, expect, it } from "vitest";
import { mulberry32, randInt } from "../../functions/sampling/prng.ts";
import { Reservoir } from "../../functions/sampling/reservoir.ts";

describe("the one PRNG", () => {
  it("is mulberry32: the reference outputs for seed 0x5eed, on every platform", () => {
    // Computed from the published mulberry32 reference (Tommy Ettinger) with 32-bit unsigned arithmetic.
    const ref = (seed: number) => {
      let a = seed >>> 0;
      return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = BigInt(a);
        const mul = (x: bigint, y: bigint) => (x * y) & 0xffffffffn;
        t = mul(t ^ (t >> 15n), t | 1n);
        t ^= (t + mul(t ^ (t >> 7n), t | 61n)) & 0xffffffffn;
        return Number((t ^ (t >> 14n)) & 0xffffffffn) / 4294967296;
      };
    };
    const [ours, theirs] = [mulberry32(0x5eed), ref(0x5eed)];
    for (let i = 0; i < 1000; i++) expect(ours()).toBe(theirs());
  });

  it("randInt stays in [0, n)", () => {
    const rng = mulberry32(7);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(randInt(rng, 5));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe("the one reservoir", () => {
  it("keeps every item when its capacity is unbounded, in order, drawing nothing", () => {
    let draws = 0;
    const r = new Reservoir<number>(Infinity, () => {
      draws++;
      return 0;
    });
    for (let i = 0; i < 100; i++) r.offer(i);
    expect(r.items).toEqual([...Array(100).keys()]);
    expect(draws).toBe(0);
  });
});

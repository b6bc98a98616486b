import { describe, expect, it } from "vitest";
import { normalizedTextHash, rejectionFilter, TopK } from "../../functions/rejection/index.ts";
import { RejectionSettings, sftExamples } from "../../schemas/index.ts";
import { RIGHT, rollout, WRONG } from "../score/rollout-fixture.ts";

const settings = RejectionSettings.parse({ keepPerPrompt: 2, maxTokens: 20, minLanguageShare: 0.9 });
const tokens = (n: number) => Array.from({ length: n }, (_, i) => i);
const right = (why: string) => `<think>${why}: 6 * 7 = 42</think> The answer is \\boxed{42}.`;

describe("rejectionFilter", () => {
  it("keeps the clean correct samples and counts each drop reason", async () => {
    const rows = [
      rollout({ group_id: "p", sample_index: 0, completion: right("multiply") }),
      rollout({ group_id: "p", sample_index: 1, completion: RIGHT, completion_token_ids: tokens(21) }),
      rollout({ group_id: "p", sample_index: 2, completion: "6 * 7 = 42, so \\boxed{42}" }),
      rollout({
        group_id: "p",
        sample_index: 3,
        completion: "<think>```python\nprint(6 * 7)\n```</think> \\boxed{42}",
      }),
      rollout({ group_id: "p", sample_index: 4, completion: WRONG }),
      rollout({
        group_id: "p",
        sample_index: 5,
        completion: "<think>六乘以七等于四十二</think> \\boxed{42}",
      }),
      rollout({
        group_id: "p",
        sample_index: 6,
        completion: `<think>${"we multiply again and again ".repeat(10)}</think> \\boxed{42}`,
      }),
      rollout({ group_id: "p", sample_index: 7, completion: right("MULTIPLY").replace(" ", "  ") }),
    ];
    const out = await rejectionFilter(rows, settings);
    expect(out.rows.map((r) => r.id)).toEqual(["p/0"]);
    expect(out.dropped).toEqual({
      too_long: 1,
      format: 1,
      code_block: 1,
      incorrect: 1,
      language: 1,
      repetition: 1,
      duplicate: 1,
      over_keep: 0,
    });
    expect(out).toMatchObject({ kept: 1, total: 8, prompts: 1 });
    const row = sftExamples.row.parse(out.rows[0]);
    expect(row).toEqual({
      id: "p/0",
      problem_id: "arithmetic/train/p",
      source: "arithmetic",
      level: 1,
      prompt: "What is 6 * 7?",
      completion: right("multiply"),
      origin: "rejection",
    });
  });

  it("keeps a code block when the prompt has one, or when dropCodeBlocks is off", async () => {
    const completion = "<think>```\n6 * 7\n```</think> \\boxed{42}";
    const withFence = rollout({ group_id: "p", sample_index: 0, completion, prompt: "Run ```6 * 7```" });
    expect((await rejectionFilter([withFence], settings)).kept).toBe(1);
    const plain = rollout({ group_id: "p", sample_index: 0, completion });
    expect((await rejectionFilter([plain], { ...settings, dropCodeBlocks: false })).kept).toBe(1);
  });

  it("takes `correct` from scored rows instead of verifying again", async () => {
    const row = { ...rollout({ group_id: "p", sample_index: 0 }), correct: false };
    expect((await rejectionFilter([row], settings)).dropped.incorrect).toBe(1);
  });

  it("keeps at most keepPerPrompt per prompt, shortest first", async () => {
    const rows = [5, 3, 9, 1].map((n, i) =>
      rollout({
        group_id: "p",
        sample_index: i,
        completion: right(`way ${i}`),
        completion_token_ids: tokens(n),
      }),
    );
    rows.push(rollout({ group_id: "q", sample_index: 0, completion: right("other") }));
    const out = await rejectionFilter(rows, settings);
    // p: token counts 5, 3, 9, 1 → keep 1 (p/3) then 3 (p/1)
    expect(out.rows.map((r) => r.id)).toEqual(["p/3", "p/1", "q/0"]);
    expect(out.dropped.over_keep).toBe(2);
    expect(out).toMatchObject({ kept: 3, prompts: 2 });
    // the same choice whatever the input order
    const reversed = await rejectionFilter([...rows].reverse(), settings);
    expect(reversed.rows.map((r) => r.id).sort()).toEqual(["p/1", "p/3", "q/0"]);
  });

  it("keeps the highest reward-model scores in reward mode", async () => {
    const rows = [0.1, 2, null, 0.7].map((rm_score, i) =>
      rollout({ group_id: "p", sample_index: i, completion: right(`way ${i}`), rm_score }),
    );
    const out = await rejectionFilter(rows, { ...settings, select: "reward" });
    expect(out.rows.map((r) => r.id)).toEqual(["p/1", "p/3"]);
  });

  it("deduplicates by normalised text, keeping the better copy", async () => {
    const rows = [
      rollout({ group_id: "p", sample_index: 0, completion: right("Same"), completion_token_ids: tokens(9) }),
      rollout({
        group_id: "p",
        sample_index: 1,
        completion: right("same").replace(" ", "\n "),
        completion_token_ids: tokens(4),
      }),
      rollout({ group_id: "p", sample_index: 2, completion: right("SAME"), completion_token_ids: tokens(6) }),
    ];
    const out = await rejectionFilter(rows, settings);
    expect(out.rows.map((r) => r.id)).toEqual(["p/1"]);
    expect(out.dropped.duplicate).toBe(2);
    expect(out.kept + Object.values(out.dropped).reduce((a, b) => a + b, 0)).toBe(3);
  });

  it("reads async input and gives an empty result for no rows", async () => {
    async function* none() {}
    const out = await rejectionFilter(none(), settings);
    expect(out).toMatchObject({ rows: [], kept: 0, total: 0, prompts: 0 });
    expect(Object.values(out.dropped).every((n) => n === 0)).toBe(true);
  });

  it("falls back to jsonl for a problem id that names no source, or asks the caller", async () => {
    const row = rollout({ group_id: "p", sample_index: 0, problem_id: "custom-7" });
    expect((await rejectionFilter([row], settings)).rows[0]?.source).toBe("jsonl");
    expect((await rejectionFilter([row], settings, { source: () => "math" })).rows[0]?.source).toBe("math");
  });
});

describe("TopK and normalizedTextHash", () => {
  it("hashes case and whitespace away", () => {
    expect(normalizedTextHash(" A  b\n")).toBe(normalizedTextHash("a b"));
    expect(normalizedTextHash("a b")).not.toBe(normalizedTextHash("ab"));
  });
  it("equals 'best per hash, then best k' for every input order", () => {
    const items = [
      { id: "a", hash: "x", v: 5 },
      { id: "b", hash: "y", v: 4 },
      { id: "c", hash: "x", v: 9 },
      { id: "d", hash: "z", v: 7 },
      { id: "e", hash: "w", v: 1 },
    ];
    const better = (p: { v: number }, q: { v: number }) => p.v > q.v;
    const orders = [items, [...items].reverse(), [items[2], items[4], items[0], items[3], items[1]]];
    for (const order of orders) {
      const top = new TopK<(typeof items)[number]>(2, better);
      for (const it of order) if (it) top.offer(it);
      expect(top.items.map((x) => x.id)).toEqual(["c", "d"]);
    }
  });
});

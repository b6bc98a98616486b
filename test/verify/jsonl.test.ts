import { PassThrough, Readable, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { verifyJsonl } from "../../functions/verify/jsonl.ts";

function collect(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join("")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
  };
}

describe("verifyJsonl", () => {
  it("round-trips rows in order, with a malformed line reported, not fatal", async () => {
    const input = [
      JSON.stringify({ gold: "72", pred: "so 72\n#### 72", id: 1 }),
      "{not json",
      JSON.stringify({ gold: "\\frac12", pred: "$\\boxed{0.5}$", answerType: "math" }),
      JSON.stringify({ gold: "3" }),
      "",
      JSON.stringify({ gold: "A", pred: "The answer is True", choices: ["A) True", "B) False"] }),
      JSON.stringify({ gold: "3", pred: "#### 4" }),
    ].join("\n");
    const out = collect();
    const seen: number[] = [];
    const counts = await verifyJsonl(Readable.from([input]), out.stream, (n) => seen.push(n));
    expect(counts).toEqual({ lines: 6, equivalent: 3, errors: 2 });
    const rows = out.lines();
    expect(rows.map((r) => [r.equivalent, r.rule])).toEqual([
      [true, "hash"],
      [false, "bad-input"],
      [true, "boxed"],
      [false, "bad-input"],
      [true, "answer-is"],
      [false, "hash"],
    ]);
    expect(rows[0]).toMatchObject({ gold: "72", id: 1, extracted: "72" });
    expect(rows[1]?.error).toMatch(/^line 2: not JSON/);
    expect(rows[3]?.error).toBe('line 4: field "pred": expected a string, found nothing');
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("streams 100,000 lines into a small-buffer output with backpressure", async () => {
    const n = 100_000;
    const input = Readable.from(
      (function* () {
        for (let k = 0; k < n; k++) yield `${JSON.stringify({ gold: String(k), pred: `#### ${k}` })}\n`;
      })(),
    );
    let count = 0;
    let maxBuffered = 0;
    const output = new PassThrough({ highWaterMark: 1024 });
    output.on("data", (chunk: Buffer) => {
      count += chunk.toString().split("\n").length - 1;
      maxBuffered = Math.max(maxBuffered, output.writableLength);
    });
    const counts = await verifyJsonl(input, output);
    output.end();
    expect(counts).toEqual({ lines: n, equivalent: n, errors: 0 });
    expect(count).toBe(n);
    expect(maxBuffered).toBeLessThan(64 * 1024);
  });
});

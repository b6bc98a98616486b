import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { orderOptions, parseLogiqaBlock } from "../../functions/ingest/index.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { countBy, DATA, ingestAll, tempFile } from "./data.ts";

const ANSWERS = {
  test: { A: 132, B: 159, C: 179, D: 181 },
  eval: { A: 109, B: 122, C: 150, D: 270 },
};

// Levels by context words (≤40, ≤57, ≤74, ≤91, more); the counts are in docs/datasets.md.
const LEVELS = {
  test: { 1: 107, 2: 141, 3: 128, 4: 152, 5: 123 },
  eval: { 1: 173, 2: 110, 3: 128, 4: 108, 5: 132 },
};

describe("logiqa files", () => {
  it.each([
    ["test", "Test.txt"],
    ["eval", "Eval.txt"],
  ] as const)(
    "%s: 651 rows from the JSONL and from the raw text, identical row for row",
    async (split, txt) => {
      const fromJson = await ingestAll("logiqa", `logiqa/${split}.jsonl`);
      const fromText = await ingestAll("logiqa", `logiqa/${txt}`);
      expect(fromJson.rows).toHaveLength(651);
      expect(fromText.rows).toHaveLength(651);
      expect(fromText.report).toMatchObject({ split, skipped: 0 });
      expect(fromText.rows).toEqual(fromJson.rows);
      expect(countBy(fromText.rows, (r) => r.answer)).toEqual(ANSWERS[split]);
      expect(fromText.report.levels).toEqual(LEVELS[split]);
      for (const r of fromText.rows) {
        problems.row.parse(r);
        expect(r).toMatchObject({ answer_type: "choice", reasoning: null });
        expect(r.choices).toHaveLength(4);
      }
    },
  );

  it("keys the 19 reordered items by printed label (test-108, test-114 solved by hand)", async () => {
    const { rows } = await ingestAll("logiqa", "logiqa/Test.txt");
    const byId = new Map(rows.map((r) => [r.id, r]));
    // test-108: opening valve 1 forces 2 open and 5 closed; 2 open forces 4 closed; 3 and 4 cannot
    // both be closed, so 3 is open: "No.2 valve and No.3 valve", printed as B on the third line.
    expect(byId.get("test-108")).toMatchObject({ answer: "B" });
    expect(byId.get("test-108")!.choices[1]).toBe("No.2 valve and No.3 valve.");
    // test-114: all Harbin people are northerners and some are not workers, so some northerners
    // are not workers: printed as B on the third line.
    expect(byId.get("test-114")!.choices[1]).toBe("Some northerners are not workers.");
    expect(byId.get("test-114")!.question).toContain("B. Some northerners are not workers.\nC. Some workers");
    // The raw file agrees: the line labelled B is the one the letter names.
    const raw = readFileSync(path.join(DATA, "logiqa/Test.txt"), "utf8").split("\n");
    expect(raw.slice(108 * 8 + 4, 108 * 8 + 8)[2]).toBe("B.No.2 valve and No.3 valve.");
    const reordered = [
      108, 114, 140, 144, 145, 147, 148, 150, 172, 185, 192, 193, 194, 195, 197, 198, 199, 200, 201,
    ];
    expect(reordered.map((n) => byId.get(`test-${n}`)!.answer).join("")).toBe("BBCACCBACBBDCDDBCAD");
  });
});

describe("orderOptions", () => {
  it("sorts four distinct labels, strips the prefix forms seen (A. / A / A? / d.)", () => {
    expect(orderOptions(["A.x", "C.z", "B.y", "D.w"])).toEqual(["x", "y", "z", "w"]);
    expect(orderOptions(["A x", "B? y", "C z", "d.w"])).toEqual(["x", "y", "z", "w"]);
  });

  it("keeps garbled labels by position, stripping only a position's own letter", () => {
    const raw = ["A.Warehouse No.1", "Storehouse B.3", "C.Warehouse No.5", "D.Warehouse No.6"];
    expect(orderOptions(raw)).toEqual([
      "Warehouse No.1",
      "Storehouse B.3",
      "Warehouse No.5",
      "Warehouse No.6",
    ]);
    expect(orderOptions(["A.a", "B.b", "A small c", "D.d"])).toEqual(["a", "b", "A small c", "d"]);
  });

  it("refuses a block with the wrong number of lines", () => {
    expect(() =>
      parseLogiqaBlock(["a", "ctx", "q", "A.x", "B.y", "C.z"], { split: "test", index: 0 }),
    ).toThrow(/LogiQA block has 6 lines, expected 8/);
  });
});

describe("logiqa bad blocks", () => {
  it("skips a short block, reports its line, and keeps block indices for the ids", async () => {
    const block = (ans: string) => `\n${ans}\nContext words here.\nWhich?\nA.one\nB.two\nC.three\nD.four`;
    const short = "\nb\nContext.\nWhich?\nA.one\nB.two\nC.three";
    const file = tempFile("Test.txt", [block("a"), short, block("c")].join("\n"));
    const { rows, report } = await ingestAll("logiqa", file);
    expect(rows.map((r) => [r.id, r.answer])).toEqual([
      ["test-0", "A"],
      ["test-2", "C"],
    ]);
    expect(report.badRows).toEqual([{ file, line: 10, reason: expect.stringMatching(/has 6 lines/) }]);
    await expect(ingestAll("logiqa", file, { strict: true })).rejects.toThrow(
      `${file}:10: LogiQA block has 6 lines`,
    );
  });
});

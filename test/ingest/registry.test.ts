import { describe, expect, it } from "vitest";
import { INGEST_SOURCES, ingestFile, splitFromPath } from "../../functions/ingest/index.ts";
import { DATASET_SOURCES } from "../../schemas/common.ts";

describe("registry", () => {
  it("has one entry per dataset source", () => {
    expect(Object.keys(INGEST_SOURCES).sort()).toEqual([...DATASET_SOURCES].sort());
  });

  it("refuses to read files for sources that are not line-based", () => {
    expect(() => ingestFile("arrow", "x.arrow")).toThrow(/Arrow reader/);
    expect(() => ingestFile("arithmetic", "x")).toThrow(/generateArithmetic/);
  });

  it("reads the split from the file name", () => {
    expect(
      ["train.jsonl", "/d/Test.txt", "Eval.txt", "dev.jsonl", "gsm8k_validation.jsonl", "samples.jsonl"].map(
        splitFromPath,
      ),
    ).toEqual(["train", "test", "eval", "dev", "validation", "samples"]);
  });
});

import { readdirSync } from "node:fs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { writeTable } from "../../functions/io/arrow-write.ts";
import {
  canonicalJson,
  clearStage,
  commitStage,
  isComplete,
  readSuccess,
  stageHash,
} from "../../functions/io/commit.ts";
import { LocalStore } from "../../functions/io/local-store.ts";
import { write } from "../../functions/io/objects.ts";
import { joinUri as join } from "../../recipe/uri.ts";
import { TABLES } from "../../schemas/tables/index.ts";
import { makeRows } from "./fixtures.ts";
import { tempDir } from "./helpers.ts";

const { dir, cleanup } = tempDir();
afterAll(cleanup);

describe("stageHash", () => {
  it("is the sha256 of canonical JSON: key order does not matter, values do", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
    const h = stageHash([{ lr: 1e-6, groupSize: 8 }, "s3://b/in/part-00000.arrow"]);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(stageHash([{ groupSize: 8, lr: 1e-6 }, "s3://b/in/part-00000.arrow"])).toBe(h);
    expect(stageHash([{ groupSize: 16, lr: 1e-6 }, "s3://b/in/part-00000.arrow"])).not.toBe(h);
    // sha256("[]")
    expect(stageHash([])).toBe("4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945");
  });
});

describe("commitStage", () => {
  it("writes _SUCCESS last, after every output, and resumes on a matching hash", async () => {
    const prefix = join(dir, "runs/r1/stages/03-rollout");
    const hash = stageHash([{ stage: "rollout" }]);
    expect(await readSuccess(prefix)).toBeNull();
    expect(await isComplete(prefix, hash)).toBe(false);

    // Record the order in which objects are opened for writing.
    const order: string[] = [];
    const original = LocalStore.prototype.openWrite;
    const spy = vi.spyOn(LocalStore.prototype, "openWrite").mockImplementation(function (
      this: LocalStore,
      uri,
    ) {
      order.push(uri.slice(prefix.length + 1));
      return original.call(this, uri);
    });
    await writeTable(join(prefix, "part-00000.arrow"), TABLES.rollouts, makeRows(TABLES.rollouts, 3));
    await write(join(prefix, "metrics.json"), "{}");
    const marker = await commitStage(prefix, {
      stage: "rollout",
      hash,
      files: ["part-00000.arrow", "metrics.json"],
    });
    spy.mockRestore();
    expect(order).toEqual(["part-00000.arrow", "metrics.json", "_SUCCESS"]);
    expect(await readSuccess(prefix)).toEqual(marker);
    expect(marker.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await isComplete(prefix, hash)).toBe(true);
    expect(await isComplete(prefix, stageHash([{ stage: "rollout", changed: true }]))).toBe(false);
  });

  it("refuses to commit when a listed output is missing, so a failed stage has no _SUCCESS", async () => {
    const prefix = join(dir, "runs/r1/stages/04-score");
    await expect(
      commitStage(prefix, { stage: "score", hash: stageHash([1]), files: ["part-00000.arrow"] }),
    ).rejects.toThrow(`output missing: ${join(prefix, "part-00000.arrow")}`);
    expect(await readSuccess(prefix)).toBeNull();
  });

  it("a malformed _SUCCESS is an error naming it; clearStage removes _SUCCESS and the outputs", async () => {
    const prefix = join(dir, "runs/r1/stages/05-update");
    await write(join(prefix, "_SUCCESS"), JSON.stringify({ stage: "update", hash: "nothex" }));
    await expect(readSuccess(prefix)).rejects.toThrow(join(prefix, "_SUCCESS"));
    await write(join(prefix, "x.arrow"), "x");
    expect(await clearStage(prefix)).toBe(1);
    expect(readdirSync(prefix)).toEqual([]);
  });
});

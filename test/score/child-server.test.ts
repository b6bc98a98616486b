/** The scoring child's request handler (in-process): the score Lambda's rows, chunks, bad requests. */
import { describe, expect, it } from "vitest";
import { SCORE_COLUMNS, type ScoreResponse } from "../../functions/score/protocol.ts";
import { createScoreServer } from "../../functions/score/serve.ts";
import { rollouts, scoredRollouts } from "../../schemas/index.ts";
import {
  joinScores,
  lambdaPath,
  mixedBatch,
  OUTCOME,
  PROCESS,
  scoreRequest,
  throughArrow,
} from "./child-rows.ts";
import { rollout } from "./rollout-fixture.ts";

function ok(response: ScoreResponse) {
  if (!response.ok) throw new Error(`expected ok, got ${response.error}\n${response.problems.join("\n")}`);
  return response;
}

function refused(response: ScoreResponse) {
  if (response.ok) throw new Error("expected an error response, got ok");
  return response;
}

describe("the scoring child's handler", () => {
  it.each([
    ["outcome / std", OUTCOME],
    ["process / none", PROCESS],
  ])("gives the score Lambda's rows and summary (%s)", async (_, settings) => {
    // The rows as a rollouts file holds them (float32 RM scores): the Lambda reads them so.
    const rows = await throughArrow(rollouts, mixedBatch());
    const response = ok(createScoreServer().handle(scoreRequest("it-1", settings, rows)));
    for (const r of response.rows) expect(Object.keys(r).sort()).toEqual(["id", ...SCORE_COLUMNS].sort());
    const lambda = await lambdaPath(rows, settings);
    expect(await throughArrow(scoredRollouts, joinScores(rows, response.rows))).toEqual(lambda.rows);
    expect(response.summary).toEqual(lambda.summary);
    // The batch is not trivial: both advantage signs, rule-checked steps, and token advantages in process mode.
    const advantages = response.rows.map((r) => r.advantage!);
    expect(Math.min(...advantages)).toBeLessThan(0);
    expect(Math.max(...advantages)).toBeGreaterThan(0);
    expect(response.rows.some((r) => r.step_rewards!.includes(-1))).toBe(true);
    expect(response.rows.every((r) => (r.token_advantages !== null) === (settings === PROCESS))).toBe(true);
  });

  it("scores a batch sent in chunks like the batch sent whole, groups spanning chunks", () => {
    const rows = mixedBatch();
    const whole = ok(createScoreServer().handle(scoreRequest("b", PROCESS, rows)));
    const server = createScoreServer();
    const parts = [rows.slice(0, 5), rows.slice(5, 7), rows.slice(7)];
    const responses = parts.map((part, i) => ok(server.handle(scoreRequest("b", PROCESS, part, i < 2))));
    expect(responses.map((r) => r.summary === null)).toEqual([true, true, false]);
    // Group a is complete after row 9 (a/3 is the 10th row): nothing comes back before the last chunk.
    expect(responses.map((r) => r.rows.length)).toEqual([0, 0, 12]);
    expect(responses.flatMap((r) => r.rows)).toEqual(whole.rows);
    expect(responses[2]!.summary).toEqual(whole.summary);
    expect(server.openBatches()).toEqual([]);
  });

  it("returns a group's rows from the chunk that completes it", () => {
    const rows = mixedBatch();
    const server = createScoreServer();
    const first = ok(server.handle(scoreRequest("b", OUTCOME, rows.slice(0, 10), true)));
    expect(first.rows.map((r) => r.id)).toEqual(["a/0", "a/1", "a/2", "a/3"]);
    expect(server.openBatches()).toEqual(["b"]);
    const last = ok(server.handle(scoreRequest("b", OUTCOME, rows.slice(10))));
    expect(last.rows.map((r) => r.id).sort()).toEqual([
      "b/0",
      "b/1",
      "b/2",
      "b/3",
      "c/0",
      "c/1",
      "c/2",
      "c/3",
    ]);
    expect(last.summary).toMatchObject({ rows: 12, groups: 3 });
  });

  it("refuses a line that is not JSON, and keeps serving", () => {
    const server = createScoreServer();
    const bad = refused(server.handle("{not json"));
    expect(bad.id).toBeNull();
    expect(bad.error).toMatch(/^request is not JSON: /);
    expect(ok(server.handle(scoreRequest("next", OUTCOME, mixedBatch()))).summary).toMatchObject({
      rows: 12,
    });
  });

  it("names each missing or wrong setting by its path", () => {
    const server = createScoreServer();
    const request = {
      id: "s",
      settings: { rewards: { accuracy: -1, bogus: 1 }, grpo: { groupSize: 1, advantage: "outcome" } },
      rows: [],
    };
    const bad = refused(server.handle(JSON.stringify(request)));
    expect(bad).toMatchObject({ id: "s", error: 'request "s" is not a score request' });
    expect(bad.problems).toEqual([
      "settings.rewards.accuracy: Too small: expected number to be >=0, got -1",
      'settings.rewards: unknown key "bogus"',
      "settings.grpo.groupSize: expected an integer ≥ 2 (GRPO needs a group), got 1",
      'settings.grpo.advantageNorm: Invalid option: expected one of "std"|"none", got nothing (required)',
    ]);
    expect(refused(server.handle(JSON.stringify({ settings: OUTCOME, rows: [] }))).problems).toEqual([
      "id: expected string, received undefined, got nothing (required)",
    ]);
  });

  it("names the row, its id and the field of a bad row; the batch is dropped", () => {
    const server = createScoreServer();
    const rows: unknown[] = mixedBatch();
    rows[1] = { ...(rows[1] as object), level: 7, logprobs: [0, "x"] };
    rows[4] = { ...(rows[4] as object), extra: true };
    const bad = refused(server.handle(scoreRequest("rows", OUTCOME, rows)));
    expect(bad.error).toBe('batch "rows": 3 problems in rows');
    expect(bad.problems).toEqual([
      'rows[1] (id "b/0"): level: Too big: expected number to be <=5, got 7',
      'rows[1] (id "b/0"): logprobs[1]: expected number, received string, got "x"',
      'rows[4] (id "b/1"): unknown key "extra"',
    ]);
    expect(server.openBatches()).toEqual([]);
  });

  it("refuses a rollout id sent twice and a group short of groupSize, naming them", () => {
    const server = createScoreServer();
    const rows = mixedBatch();
    const twice = refused(server.handle(scoreRequest("t", OUTCOME, [...rows, rows[3]])));
    expect(twice.problems).toEqual(['rows[12] (id "a/1"): rollout id sent twice in this batch']);
    const short = refused(server.handle(scoreRequest("s", OUTCOME, rows.slice(0, 11))));
    expect(short.error).toMatch(/^batch "s": group "c" in s has 3 of its 4 rows/);
    const late = rollout({ group_id: "a", sample_index: 9 });
    const after = refused(server.handle(scoreRequest("l", OUTCOME, [...rows, late])));
    expect(after.error).toMatch(/rollout "a\/9" in l: group "a" already has 4 scored rows/);
  });

  it("refuses a chunk whose settings differ from its batch's first chunk", () => {
    const server = createScoreServer();
    const rows = mixedBatch();
    ok(server.handle(scoreRequest("m", OUTCOME, rows.slice(0, 6), true)));
    const bad = refused(server.handle(scoreRequest("m", PROCESS, rows.slice(6))));
    expect(bad.error).toMatch(/^batch "m": chunk settings differ from the batch's first chunk/);
    expect(server.openBatches()).toEqual([]);
  });

  it("caps the listed problems of a batch of bad rows", () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ id: `x/${i}` }));
    const bad = refused(createScoreServer().handle(scoreRequest("cap", OUTCOME, rows)));
    expect(bad.problems).toHaveLength(21);
    expect(bad.problems[20]).toMatch(/^… and \d+ more$/);
  });
});

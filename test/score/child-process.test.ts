/** The scoring child as the worker runs it: `node bin/r1flow-scorer.js`, JSON lines over its pipes. */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION, type ScoreResponse } from "../../functions/score/protocol.ts";
import { createScoreServer } from "../../functions/score/serve.ts";
import { mixedBatch, OUTCOME, PROCESS, scoreRequest } from "./child-rows.ts";
import { rollout } from "./rollout-fixture.ts";

const SCRIPT = join(import.meta.dirname, "../../bin/r1flow-scorer.js");
// node + tsx + mathjs take ~2 s on a free core and over 10 s on this shared 2-core runner.
const START_MS = 90_000;

interface Child {
  proc: ChildProcessWithoutNullStreams;
  next(): Promise<unknown>;
  stderr(): string;
  exit: Promise<[number | null, NodeJS.Signals | null]>;
}

function start(args: string[] = [], env: NodeJS.ProcessEnv = process.env): Child {
  const proc = spawn(process.execPath, [...args, SCRIPT], { stdio: ["pipe", "pipe", "pipe"], env });
  const exit = once(proc, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  let err = "";
  proc.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  return {
    proc,
    exit,
    stderr: () => err,
    async next() {
      const { value, done } = await lines.next();
      if (done) throw new Error(`the child closed stdout; stderr:\n${err}`);
      return JSON.parse(value);
    },
  };
}

async function ask(child: Child, line: string): Promise<ScoreResponse> {
  child.proc.stdin.write(`${line}\n`);
  return (await child.next()) as ScoreResponse;
}

describe("the scoring child process", () => {
  let child: Child;
  beforeAll(async () => {
    child = start();
    expect(await child.next()).toEqual({ ready: true, protocol: PROTOCOL_VERSION });
  }, START_MS);
  afterAll(() => {
    if (child.proc.exitCode === null) child.proc.kill();
  });

  it("answers good and bad requests in order over one process, as the handler does", async () => {
    const rows = mixedBatch();
    const reference = createScoreServer();
    const requests = [
      scoreRequest("one", OUTCOME, rows),
      "this is not json",
      scoreRequest("two", PROCESS, [...rows.slice(0, 3), { ...rows[3], level: 0 }, ...rows.slice(4)]),
      scoreRequest("three", PROCESS, rows.slice(0, 6), true),
      scoreRequest("three", PROCESS, rows.slice(6)),
    ];
    const responses = [];
    for (const line of requests) responses.push(await ask(child, line));
    expect(responses).toEqual(requests.map((line) => reference.handle(line)));
    expect(responses.map((r) => r.ok)).toEqual([true, false, false, true, true]);
    expect(child.proc.exitCode).toBeNull();
  });

  it(
    "answers the same through tsx, where no bundle is used (R1FLOW_SCORER_BUNDLE=0)",
    async () => {
      const viaTsx = start([], { ...process.env, R1FLOW_SCORER_BUNDLE: "0" });
      try {
        expect(await viaTsx.next()).toEqual({ ready: true, protocol: PROTOCOL_VERSION });
        const line = scoreRequest("tsx", OUTCOME, mixedBatch());
        expect(await ask(viaTsx, line)).toEqual(await ask(child, line));
      } finally {
        viaTsx.proc.kill();
      }
    },
    START_MS,
  );

  it("keeps serving after many batches", async () => {
    const rows = mixedBatch();
    for (let i = 0; i < 25; i++) {
      const response = await ask(child, scoreRequest(`iter-${i}`, OUTCOME, rows));
      expect(response).toMatchObject({ id: `iter-${i}`, ok: true, summary: { rows: 12, groups: 3 } });
    }
  });

  it("exits 0 when stdin closes, naming a batch left open on stderr", async () => {
    await ask(child, scoreRequest("open", OUTCOME, mixedBatch().slice(0, 4), true));
    child.proc.stdin.end();
    expect(await child.exit).toEqual([0, null]);
    expect(child.stderr()).toContain("stdin closed with batches still open: open");
  });
});

describe("the scoring child's crash", () => {
  it(
    "exits non-zero with the reason on stderr (a heap too small for the request)",
    async () => {
      const child = start(["--max-old-space-size=64"]);
      expect(await child.next()).toMatchObject({ ready: true });
      // ~42 MB of token ids: the parsed request alone outgrows a 64 MB heap.
      const big = rollout({ group_id: "g", sample_index: 0 });
      big.completion_token_ids = Array.from({ length: 20_000 }, (_, i) => 10_000 + i);
      const rows = Array.from({ length: 300 }, (_, i) => ({ ...big, id: `g/${i}`, sample_index: i }));
      const line = scoreRequest("big", OUTCOME, rows);
      child.proc.stdin.on("error", () => {}); // the dying child may close its end mid-write
      child.proc.stdin.write(`${line}\n`);
      const [code, signal] = await child.exit;
      expect(code !== 0 || signal !== null).toBe(true);
      expect(child.stderr()).toMatch(/heap out of memory|Allocation failed/);
    },
    START_MS + 60_000,
  );
});

/**
 * The S3 trigger's pure logic with fake S3 and Step Functions clients: an invalid manifest is
 * recorded and starts nothing; a valid one claims the run and starts one execution whose name
 * comes from the upload; a redelivered event or a second upload of a running run starts nothing.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { executionNameFor, type ObjectCreatedEvent } from "../../functions/trigger/object-created.ts";
import {
  type Executions,
  type RunObjects,
  type StartResult,
  WriteConflictError,
} from "../../functions/trigger/ports.ts";
import { startRun, type TriggerDeps } from "../../functions/trigger/start-run.ts";

/** An in-memory bucket with ETags and S3's conditional-write semantics. */
class FakeRunObjects implements RunObjects {
  readonly objects = new Map<string, { text: string; etag: string }>();
  private n = 0;
  async get(key: string, _versionId?: string) {
    return this.objects.get(key) ?? null;
  }
  async put(key: string, text: string, condition?: { ifMatch?: string; ifNoneMatch?: "*" }) {
    const current = this.objects.get(key);
    if (condition?.ifNoneMatch === "*" && current) throw new WriteConflictError(key);
    if (condition?.ifMatch && current?.etag !== condition.ifMatch) throw new WriteConflictError(key);
    this.objects.set(key, { text, etag: `"e${++this.n}"` });
  }
  json(key: string): Record<string, unknown> {
    return JSON.parse(this.objects.get(key)!.text);
  }
}

/** Step Functions: names are unique; `running` lists executions still running. */
class FakeExecutions implements Executions {
  readonly started: { name: string; input: unknown }[] = [];
  readonly running = new Set<string>();
  async start(name: string, input: unknown): Promise<StartResult> {
    if (this.started.some((s) => s.name === name)) return { started: false };
    this.started.push({ name, input });
    const arn = `arn:aws:states:eu-west-1:1:execution:R1flow-run:${name}`;
    this.running.add(arn);
    return { started: true, executionArn: arn };
  }
  async isRunning(arn: string) {
    return this.running.has(arn);
  }
}

const MANIFEST = {
  runId: "demo-1",
  model: { base: "builtin:tiny" },
  datasets: [{ name: "arith", source: "arithmetic" }],
};

function event(key: string, version: string): ObjectCreatedEvent {
  return {
    "detail-type": "Object Created",
    source: "aws.s3",
    detail: { bucket: { name: "artifacts" }, object: { key, etag: "x", "version-id": version } },
  };
}

let objects: FakeRunObjects;
let executions: FakeExecutions;
let deps: TriggerDeps;
beforeEach(() => {
  objects = new FakeRunObjects();
  executions = new FakeExecutions();
  deps = { objects, executions, now: () => new Date("2026-01-01T00:00:00Z") };
});
const upload = (manifest: unknown, runId = "demo-1") =>
  objects.put(
    `runs/${runId}/manifest.json`,
    typeof manifest === "string" ? manifest : JSON.stringify(manifest),
  );

describe("startRun", () => {
  it("starts one execution named from the run id and the manifest version, with URIs as input", async () => {
    await upload(MANIFEST);
    const outcome = await startRun(event("runs/demo-1/manifest.json", "v1"), deps);
    expect(outcome).toMatchObject({ outcome: "started", executionName: executionNameFor("demo-1", "v1") });
    expect(executions.started).toEqual([
      {
        name: executionNameFor("demo-1", "v1"),
        input: {
          runId: "demo-1",
          runUri: "s3://artifacts/runs/demo-1",
          manifestUri: "s3://artifacts/runs/demo-1/manifest.json",
          bucket: "artifacts",
        },
      },
    ]);
    expect(objects.json("runs/demo-1/status.json")).toMatchObject({
      status: "running",
      manifestVersion: "v1",
    });
  });

  it("writes status invalid with one line per problem and starts nothing", async () => {
    await upload({ runId: "demo-1", model: {}, datasets: [], extra: 1 });
    const outcome = await startRun(event("runs/demo-1/manifest.json", "v1"), deps);
    expect(outcome.outcome).toBe("invalid");
    expect(executions.started).toEqual([]);
    const status = objects.json("runs/demo-1/status.json");
    expect(status.status).toBe("invalid");
    expect(status.errors).toEqual(
      expect.arrayContaining([
        '(root): unknown key "extra"',
        "model.base: expected string, received undefined, got nothing (required)",
        "datasets: expected at least one data set, got []",
      ]),
    );
  });

  it("reports JSON syntax errors and a run id that disagrees with the folder", async () => {
    await upload("{not json");
    const bad = await startRun(event("runs/demo-1/manifest.json", "v1"), deps);
    expect(bad).toMatchObject({
      outcome: "invalid",
      errors: [expect.stringMatching(/^\(root\): expected JSON/)],
    });
    await upload({ ...MANIFEST, runId: "other" });
    const moved = await startRun(event("runs/demo-1/manifest.json", "v2"), deps);
    expect(moved).toMatchObject({
      outcome: "invalid",
      errors: ['runId: expected "demo-1" (the folder the manifest is in), got "other"'],
    });
  });

  it("treats the same event delivered twice as one run", async () => {
    await upload(MANIFEST);
    await startRun(event("runs/demo-1/manifest.json", "v1"), deps);
    const again = await startRun(event("runs/demo-1/manifest.json", "v1"), deps);
    expect(again.outcome).toBe("duplicate");
    expect(executions.started).toHaveLength(1);
  });

  it("refuses a second upload while the run is running, and allows it once the run has ended", async () => {
    await upload(MANIFEST);
    const first = await startRun(event("runs/demo-1/manifest.json", "v1"), deps);
    const second = await startRun(event("runs/demo-1/manifest.json", "v2"), deps);
    expect(second).toMatchObject({ outcome: "refused", reason: expect.stringContaining("already running") });
    expect(executions.started).toHaveLength(1);
    expect(objects.json("runs/demo-1/status.json").status).toBe("running");
    if (first.outcome === "started") executions.running.delete(first.executionArn);
    const third = await startRun(event("runs/demo-1/manifest.json", "v3"), deps);
    expect(third.outcome).toBe("started");
  });

  it("lets only one of two concurrent uploads claim the run", async () => {
    await upload(MANIFEST);
    const racing = { ...deps, objects: new RacingObjects(objects) };
    const outcome = await startRun(event("runs/demo-1/manifest.json", "v2"), racing);
    expect(outcome).toMatchObject({
      outcome: "refused",
      reason: expect.stringContaining("claimed it first"),
    });
    expect(executions.started).toEqual([]);
  });

  it("ignores keys that are not a run's manifest", async () => {
    expect(await startRun(event("runs/demo-1/stages/x/manifest.json", "v1"), deps)).toEqual({
      outcome: "ignored",
      key: "runs/demo-1/stages/x/manifest.json",
    });
  });
});

/** Another trigger writes its claim between our read of status.json and our conditional write. */
class RacingObjects implements RunObjects {
  private raced = false;
  constructor(private readonly inner: FakeRunObjects) {}
  get(key: string, versionId?: string) {
    return this.inner.get(key, versionId);
  }
  async put(key: string, text: string, condition?: { ifMatch?: string; ifNoneMatch?: "*" }) {
    if (!this.raced && key.endsWith("status.json")) {
      this.raced = true;
      const claim = {
        runId: "demo-1",
        status: "starting",
        updatedAt: "2026-01-01T00:00:00Z",
        executionName: "other",
      };
      await this.inner.put(key, JSON.stringify(claim));
    }
    return this.inner.put(key, text, condition);
  }
}

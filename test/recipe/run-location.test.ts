import { describe, expect, it } from "vitest";
import {
  layoutFromRunUri,
  parseRunUri,
  RunUri,
  runIdFromManifestKey,
  runLocationOf,
} from "../../recipe/run-location.ts";

describe("run locations: one parser for every form", () => {
  it("splits <store>/runs/<runId> for S3, a directory and the root", () => {
    expect(runLocationOf("s3://b/runs/r-1/")).toEqual({ store: "s3://b", runId: "r-1" });
    expect(runLocationOf("/tmp/store/runs/r1")).toEqual({ store: "/tmp/store", runId: "r1" });
    expect(runLocationOf("/runs/r1")).toEqual({ store: "/", runId: "r1" });
    expect(layoutFromRunUri("/tmp/store/runs/r1").manifest).toBe("/tmp/store/runs/r1/manifest.json");
  });

  it("takes the id from the RunId schema: anything it refuses is no run", () => {
    for (const bad of [
      "s3://b/runs/Upper",
      "s3://b/runs/-x",
      `s3://b/runs/${"a".repeat(64)}`,
      "s3://b/runs",
    ]) {
      expect(runLocationOf(bad), bad).toBeNull();
      expect(() => layoutFromRunUri(bad), bad).toThrow(
        `not a run location (expected <store>/runs/<runId>): ${bad}`,
      );
    }
    expect(() => layoutFromRunUri("runs/r1")).toThrow(/not a run location/);
  });

  it("the state machine's runUri is s3://<bucket>/runs/<runId>, nothing else", () => {
    expect(parseRunUri("s3://bucket/runs/r1")).toEqual({ bucket: "bucket", runId: "r1" });
    for (const bad of ["/tmp/runs/r1", "s3://bucket/prefix/runs/r1", "s3://bucket/runs/R1"]) {
      expect(() => parseRunUri(bad), bad).toThrow(
        `runUri: expected s3://<bucket>/runs/<runId>, got "${bad}"`,
      );
      expect(RunUri.safeParse(bad).success, bad).toBe(false);
    }
    expect(RunUri.safeParse("s3://bucket/runs/r1").success).toBe(true);
  });

  it("a manifest key starts a run only at runs/<runId>/manifest.json", () => {
    expect(runIdFromManifestKey("runs/r1/manifest.json")).toBe("r1");
    for (const key of [
      "x/runs/r1/manifest.json",
      "runs/r1/a/manifest.json",
      "runs/R1/manifest.json",
      "runs/r1/manifest.jsonl",
    ]) {
      expect(runIdFromManifestKey(key), key).toBeNull();
    }
  });
});

import { describe, expect, it } from "vitest";
import { joinUri } from "../../recipe/uri.ts";

describe("joinUri: one rule for every scheme", () => {
  it("drops the slashes at the seams and skips empty segments", () => {
    expect(joinUri("s3://b/", "/runs/", "", "r1/")).toBe("s3://b/runs/r1");
    expect(joinUri("file:///tmp/store/", "runs", "r1")).toBe("file:///tmp/store/runs/r1");
    expect(joinUri("/tmp/store//", "runs/r1", "_SUCCESS")).toBe("/tmp/store/runs/r1/_SUCCESS");
  });

  it("rewrites nothing else: relative and dotted paths keep their form", () => {
    expect(joinUri(".r1flow", "runs", "r1")).toBe(".r1flow/runs/r1");
    expect(joinUri("./store", "runs")).toBe("./store/runs");
    expect(joinUri("/a/b", "..", "c")).toBe("/a/b/../c");
  });

  it("keeps the root, and an empty base gives a relative path", () => {
    expect(joinUri("/", "runs", "r1")).toBe("/runs/r1");
    expect(joinUri("", "runs", "r1")).toBe("runs/r1");
    expect(joinUri("s3://b")).toBe("s3://b");
  });
});

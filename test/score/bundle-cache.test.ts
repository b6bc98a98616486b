/**
 * bin/bundle-cache.js: the scoring child's bundle is rebuilt exactly when a file it was built from
 * changes (by content), and reused otherwise. Real esbuild on a small entry in a temp directory.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error — plain JavaScript under bin/, loaded before tsx exists in the scorer's start
import { bundledEntry } from "../../bin/bundle-cache.js";

function project(): { root: string; cacheDir: string; write: (v: string) => void } {
  const root = mkdtempSync(join(tmpdir(), "r1flow-bundle-"));
  writeFileSync(join(root, "entry.ts"), 'import { v } from "./value.ts";\nconsole.log("value " + v);\n');
  const write = (v: string) => writeFileSync(join(root, "value.ts"), `export const v: string = "${v}";\n`);
  write("one");
  return { root, cacheDir: join(root, "cache"), write };
}

const runs = (path: string) => execFileSync(process.execPath, [path], { encoding: "utf8" }).trim();

describe("the scorer's bundle cache", () => {
  it("builds once, reuses the bundle, and rebuilds when an input's content changes", async () => {
    const { root, cacheDir, write } = project();
    const first = await bundledEntry({ root, entry: "entry.ts", cacheDir });
    expect(first.built).toBe(true);
    expect(runs(first.path)).toBe("value one");

    expect((await bundledEntry({ root, entry: "entry.ts", cacheDir })).built).toBe(false);

    // A newer time alone is no change…
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, "value.ts"), later, later);
    expect((await bundledEntry({ root, entry: "entry.ts", cacheDir })).built).toBe(false);

    // …a new content of the same length is one.
    write("two");
    const second = await bundledEntry({ root, entry: "entry.ts", cacheDir });
    expect(second.built).toBe(true);
    expect(runs(second.path)).toBe("value two");
  });

  it("fails on a source error, so the caller falls back to tsx and its message", async () => {
    const { root, cacheDir } = project();
    writeFileSync(join(root, "value.ts"), "export const v: string = ;\n");
    await expect(bundledEntry({ root, entry: "entry.ts", cacheDir })).rejects.toThrow(/Build failed/);
  });
});

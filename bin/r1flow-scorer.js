#!/usr/bin/env node
// The scoring child of the GPU worker's GRPO loop (functions/score/child.ts): JSON lines on
// stdin/stdout. It runs a bundle of the TypeScript that is rebuilt whenever a source changes
// (bin/bundle-cache.js), and falls back to tsx, as bin/r1flow.js runs, where esbuild is missing or
// the cache cannot be written: no build step either way.
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundledEntry } from "./bundle-cache.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = "functions/score/child.ts";
let bundle;
if (process.env.R1FLOW_SCORER_BUNDLE !== "0") {
  try {
    bundle = (await bundledEntry({ root, entry, cacheDir: join(root, "node_modules/.cache/r1flow-scorer") }))
      .path;
  } catch {
    bundle = undefined; // tsx below runs the same sources and names any error in them
  }
}
if (bundle) await import(pathToFileURL(bundle).href);
else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(`../${entry}`);
}

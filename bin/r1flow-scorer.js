#!/usr/bin/env node
// The scoring child of the GPU worker's GRPO loop (functions/score/child.ts): JSON lines on
// stdin/stdout. Runs the TypeScript through tsx, as bin/r1flow.js does, so it needs no build step.
import { register } from "tsx/esm/api";

register();
await import("../functions/score/child.ts");

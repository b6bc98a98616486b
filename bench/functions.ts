/**
 * `npm run bench:functions`: the Lambda stages' figures on this machine — verifier throughput beside
 * the Python math-verify peer (when installed), then score and rejection over synthetic rollouts
 * (`--rows N`, default 1,000,000) with their peak memory. Prints figures; asserts nothing.
 */
import { benchStages } from "./functions/stages.ts";
import { benchVerify } from "./functions/verify.ts";

const at = process.argv.indexOf("--rows");
const rows = at >= 0 ? Number(process.argv[at + 1]) : 1_000_000;
if (!Number.isInteger(rows) || rows < 0)
  throw new Error(`--rows expects a non-negative integer, got ${process.argv[at + 1]}`);

console.log("== answer verification ==");
await benchVerify();
console.log(`\n== score and rejection over ${rows.toLocaleString("en-US")} synthetic rollouts ==`);
await benchStages(rows);

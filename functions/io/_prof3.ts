import { readBatches } from "./arrow-read.ts";
import { rollouts } from "../../schemas/tables/index.ts";
let n = 0;
for (let k = 0; k < 3; k++) {
const t = performance.now();
for await (const b of readBatches("/tmp/exp/prof.arrow", rollouts)) n += b.numRows;
console.log("readBatches", performance.now() - t, process.memoryUsage.rss() / 1e6);
}

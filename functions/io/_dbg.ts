import { decodeStream } from "./ipc-stream.ts";
import { LocalStore } from "./local-store.ts";

async function* skip8(it: AsyncIterable<Uint8Array>) {
  let first = true;
  for await (const c of it) {
    yield first ? c.subarray(8) : c;
    first = false;
  }
}
let n = 0;
const t = performance.now();
for await (const b of decodeStream(skip8(new LocalStore().readStream("/tmp/exp/prof.arrow")), "x", (s) =>
  console.log(s.fields.length),
))
  n += b.numRows;
console.log(n, performance.now() - t);

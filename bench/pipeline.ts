/**
 * `npm run bench:pipeline [manifest]`: runs a manifest on the local backend (default: the embedded
 * tiny-arithmetic demo, into a fresh temp store) and prints the wall time of each stage visit and the
 * share of the run spent outside the worker processes and the in-process handlers (orchestration:
 * planning, status writes, reading summaries back). Target: under 5% of the run.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readText } from "../functions/io/objects.ts";
import { type RunEvent, runLocal } from "../pipeline/runner.ts";
import { parseManifest } from "../recipe/manifest-io.ts";

const manifestUri = process.argv[2] ?? join(import.meta.dirname, "../examples/tiny-arithmetic.json");
const manifest = parseManifest(await readText(manifestUri), manifestUri);
const store = mkdtempSync(join(tmpdir(), "r1flow-bench-"));
const rows: { name: string; kind: string; wallS: number; insideS: number }[] = [];

const started = performance.now();
await runLocal(manifest, {
  store,
  onEvent: (e: RunEvent) => {
    if (e.type !== "done") return;
    const name =
      e.visit.iteration === undefined ? e.visit.stage.id : `${e.visit.stage.id} #${e.visit.iteration}`;
    rows.push({ name, kind: e.visit.stage.kind, wallS: e.wallS, insideS: e.summary.durationS });
  },
});
const totalS = (performance.now() - started) / 1000;

const stagesS = rows.reduce((n, r) => n + r.wallS, 0);
const insideS = rows.reduce((n, r) => n + r.insideS, 0);
console.log(`${"stage".padEnd(28)} ${"kind".padEnd(7)} ${"wall s".padStart(8)} ${"inside s".padStart(9)}`);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(28)} ${r.kind.padEnd(7)} ${r.wallS.toFixed(2).padStart(8)} ${r.insideS.toFixed(2).padStart(9)}`,
  );
}
const pct = (x: number) => `${((100 * x) / totalS).toFixed(2)}%`;
console.log(`\nrun wall time: ${totalS.toFixed(1)} s (${rows.length} stage visits)`);
console.log(
  `orchestration (outside every stage visit): ${(totalS - stagesS).toFixed(2)} s = ${pct(totalS - stagesS)}`,
);
console.log(
  `worker start-up, model loading and summary I/O (stage wall − time the stage itself reports): ` +
    `${(stagesS - insideS).toFixed(2)} s = ${pct(stagesS - insideS)}`,
);
console.log(
  `outside the worker and the handlers, both together: ${pct(totalS - insideS)} (target < 5% for the first)`,
);
console.log(`store: ${store}`);

/** `r1flow inspect <run>`: a run's stages, durations and metrics as a table, `--json`, or an HTML report. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { fail } from "./output.ts";

export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description(
      "show a run's stages (status, start, duration, rows, key metrics) and its status; " +
        "--html writes a self-contained report with training curves, the eval table and samples",
    )
    .argument("<run>", "run location: <store>/runs/<runId> or s3://bucket/runs/<runId>")
    .option("--json", "print everything gathered as JSON instead of the table")
    .option("--html <file>", "also write a self-contained HTML report to <file> (path or s3:// URI)")
    .action(async (runArg: string, flags: { json?: boolean; html?: string }) => {
      const { gatherRun } = await import("../inspect/gather.ts");
      const runUri = /^[a-z][a-z0-9]*:\/\//.test(runArg) ? runArg : resolve(runArg);
      let model: Awaited<ReturnType<typeof gatherRun>>;
      try {
        model = await gatherRun(runUri.replace(/^file:\/\//, "").replace(/\/+$/, ""));
      } catch (error) {
        return fail(`cannot inspect ${runArg}: ${(error as Error).message}`);
      }
      if (flags.json) console.log(JSON.stringify(model, null, 2));
      else {
        const { renderTable } = await import("../inspect/table.ts");
        process.stdout.write(renderTable(model));
      }
      if (flags.html) {
        const { renderHtml } = await import("../inspect/html.ts");
        const { write } = await import("../../functions/io/objects.ts");
        const out = flags.html.startsWith("s3://") ? flags.html : resolve(flags.html);
        await write(out, renderHtml(model));
        process.stderr.write(`report: ${out}\n`);
      }
    });
}

/** `r1flow inspect <run>`: a run's stages, durations and metrics as a table, `--json`, or an HTML report. */

import type { Command } from "commander";
import { absoluteUri } from "../../recipe/uri.ts";
import { fail } from "./output.ts";

/** The built-in price table with the entries of a `--prices` file on top, validated. */
async function readPrices(file: string) {
  const { readFile } = await import("node:fs/promises");
  const { parseOrThrow } = await import("../../schemas/errors.ts");
  const { PRICES, PriceTable } = await import("../inspect/prices.ts");
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Error(`--prices ${file}: ${(error as Error).message}`);
  }
  return { ...PRICES, ...parseOrThrow(PriceTable, raw, `--prices ${file}`) };
}

export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description(
      "show a run's stages (status, start, duration, rows, key metrics) and its status; for a run on " +
        "AWS also its GPU jobs from AWS Batch (status and why, attempts, log streams, GPU-hours, estimated cost); " +
        "--html writes a self-contained report with training curves, the eval table and samples",
    )
    .argument("<run>", "run location: <store>/runs/<runId> or s3://bucket/runs/<runId>")
    .option("--json", "print everything gathered as JSON instead of the table")
    .option("--html <file>", "also write a self-contained HTML report to <file> (path or s3:// URI)")
    .option("--no-batch", "for a run on AWS, skip the AWS Batch look-up of its GPU jobs")
    .option(
      "--prices <file>",
      'JSON {"<instance type>": {"onDemandUsdPerHour": n, "gpus": n}} added to (or replacing entries of) the cost table',
    )
    .action(
      async (runArg: string, flags: { json?: boolean; html?: string; batch: boolean; prices?: string }) => {
        const { gatherRun } = await import("../inspect/gather.ts");
        const runUri = absoluteUri(runArg);
        let model: Awaited<ReturnType<typeof gatherRun>>;
        try {
          const prices = flags.prices ? await readPrices(flags.prices) : undefined;
          model = await gatherRun(runUri.replace(/^file:\/\//, "").replace(/\/+$/, ""), {
            batch: flags.batch && (prices ? { prices } : {}),
          });
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
          const out = absoluteUri(flags.html);
          await write(out, renderHtml(model));
          process.stderr.write(`report: ${out}\n`);
        }
      },
    );
}

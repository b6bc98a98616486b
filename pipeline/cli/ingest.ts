/** `r1flow ingest <source> [input] --out <uri>`: one data set → a sharded `problems` table. */
import { type Command, InvalidArgumentError, Option } from "commander";
import { absoluteUri } from "../../recipe/uri.ts";
import { DATASET_SOURCES, type DatasetSource } from "../../schemas/common.ts";
import { fail } from "./output.ts";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

interface IngestFlags {
  out: string;
  split?: string;
  strict?: boolean;
  limit?: number;
  count?: number;
  seed: number;
  shardRows: number;
}

export function registerIngest(program: Command): void {
  program
    .command("ingest")
    .description(
      "turn a data set into a sharded problems table (see docs/datasets.md); " +
        "`r1flow ingest arithmetic --count <n> --out <uri>` generates the synthetic curriculum",
    )
    .addArgument(program.createArgument("<source>", "data set format").choices(DATASET_SOURCES))
    .argument("[input]", "file to read: path, file:// or s3:// (not for arithmetic)")
    .requiredOption("--out <uri>", "prefix to write part-NNNNN.arrow shards and _SUCCESS under")
    .option("--split <name>", "split recorded on the rows (default: from the file name)")
    .option("--strict", "fail at the first bad row instead of skipping and counting it")
    .option("--limit <n>", "keep at most n rows", positiveInt)
    .addOption(new Option("--count <n>", "rows to generate (arithmetic)").argParser(positiveInt))
    .option("--seed <n>", "generator seed (arithmetic)", (v) => Number.parseInt(v, 10), 0)
    .option("--shard-rows <n>", "rows per shard", positiveInt, 50_000)
    .action(async (source: DatasetSource, input: string | undefined, flags: IngestFlags) => {
      if (source === "arithmetic" && input)
        fail("ingest arithmetic generates its rows: give --count, not a file");
      if (source !== "arithmetic" && !input) fail(`ingest ${source}: an input file is required`);
      if (source === "arithmetic" && !flags.count) fail("ingest arithmetic: --count <n> is required");
      const started = Date.now();
      try {
        const { ingestToTable } = await import("../../functions/ingest/to-table.ts");
        const { report, shards } = await ingestToTable(
          { source, ...flags, input: input && absoluteUri(input), out: absoluteUri(flags.out) },
          (rows) => process.stderr.isTTY && process.stderr.write(`\r  ${rows} rows…`),
        );
        if (process.stderr.isTTY) process.stderr.write("\r");
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        const levels = Object.entries(report.levels)
          .map(([level, n]) => `L${level}:${n}`)
          .join(" ");
        console.log(
          `${source} ${report.split}: ${report.rows} rows, ${report.skipped} skipped → ${shards.length} shard(s) under ${flags.out} (${seconds}s)`,
        );
        console.log(`  levels ${levels}`);
        for (const bad of report.badRows.slice(0, 10))
          console.log(`  skipped ${bad.file}:${bad.line}: ${bad.reason}`);
        if (report.skipped > 10) console.log(`  … and ${report.skipped - 10} more skipped rows`);
      } catch (error) {
        fail(`ingest ${source}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
}

/** `r1flow verify --input cases.jsonl --output results.jsonl`: batch answer verification, streamed. */

import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync } from "node:fs";
import type { Command } from "commander";
import { fail } from "./output.ts";

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description(
      'check model answers against references; each input line is {"gold", "pred", "answerType"?, "choices"?}, ' +
        'each output line the input plus {"equivalent", "extracted", "rule"}, in input order',
    )
    .requiredOption("--input <file>", "JSONL cases ('-' for standard input)")
    .requiredOption("--output <file>", "JSONL results ('-' for standard output); written whole or not at all")
    .action(async ({ input, output }: { input: string; output: string }) => {
      if (input !== "-" && !existsSync(input)) fail(`verify: input not found: ${input}`);
      const source = input === "-" ? process.stdin : createReadStream(input);
      const partial = `${output}.partial-${process.pid}`;
      const sink = output === "-" ? process.stdout : createWriteStream(partial);
      try {
        // Loaded here so `--help` and the other commands do not pay for the algebra library.
        const { verifyJsonl } = await import("../../functions/verify/jsonl.ts");
        const counts = await verifyJsonl(source, sink, (n) => {
          if (process.stderr.isTTY && n % 10_000 === 0) process.stderr.write(`\r  ${n} lines…`);
        });
        if (sink !== process.stdout) {
          sink.end();
          await once(sink, "finish");
          renameSync(partial, output);
        }
        const rate = counts.lines ? ((100 * counts.equivalent) / counts.lines).toFixed(1) : "0.0";
        process.stderr.write(
          `verified ${counts.lines} lines: ${counts.equivalent} equivalent (${rate}%), ${counts.errors} malformed\n`,
        );
      } catch (error) {
        if (sink !== process.stdout) rmSync(partial, { force: true });
        fail(`verify: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
}

/** `r1flow validate <manifest>`: check a manifest without running it; writes nothing. */
import type { Command } from "commander";
import { blockCount, blockSize } from "../../recipe/blocks.ts";
import { parseManifest } from "../../recipe/manifest-io.ts";
import { SchemaError } from "../../schemas/errors.ts";
import { grpoLoopMode } from "../../schemas/manifest.ts";
import { fail } from "./output.ts";

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description(
      "check a manifest (local path or s3:// URI) without running it; exit 1 listing every problem",
    )
    .argument("<manifest>", "manifest file or s3:// URI")
    .action(async (uri: string) => {
      const text = await readManifestText(uri);
      try {
        const manifest = parseManifest(text, uri);
        const { manifestProblems } = await import("../../functions/stages/validate.ts");
        const problems = await manifestProblems(manifest);
        if (problems.length > 0) throw new SchemaError(uri, problems);
        const stages = Object.entries(manifest.stages)
          .filter(([, s]) => !("enabled" in s) || s.enabled)
          .map(([name]) => name);
        console.log(`${uri}: valid — run "${manifest.runId}", ${manifest.datasets.length} data set(s)`);
        const { grpo } = manifest.stages;
        const loop =
          grpoLoopMode(manifest) === "block"
            ? `block loop: ${blockCount(manifest)} job(s) of up to ${blockSize(manifest)} iterations`
            : "per-iteration stages";
        console.log(`  stages on: ${stages.join(", ")}; GRPO iterations: ${grpo.iterations} (${loop})`);
      } catch (error) {
        if (error instanceof SchemaError) fail(error.message);
        throw error;
      }
    });
}

async function readManifestText(uri: string): Promise<string> {
  const { storeFor } = await import("../../functions/io/store.ts");
  try {
    return (await storeFor(uri).read(uri)).toString("utf8");
  } catch (error) {
    return fail(`cannot read manifest: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `r1flow run <manifest>`: the whole recipe on this machine, resumable. */

import type { Command } from "commander";
import { parseManifest } from "../../recipe/manifest-io.ts";
import { absoluteUri } from "../../recipe/uri.ts";
import { SchemaError } from "../../schemas/errors.ts";
import { progressPrinter } from "../progress.ts";
import { fail } from "./output.ts";

export function registerRun(program: Command): void {
  program
    .command("run")
    .description(
      "run the whole recipe locally: Lambda stages in-process, GPU stages as worker processes " +
        "(CPU, or the local GPU) forked from one warm worker (R1FLOW_WARM_WORKER=0: each in its own " +
        "interpreter); running it again resumes from the first incomplete stage",
    )
    .argument("<manifest>", "manifest file (path or s3:// URI)")
    .option("--store <dir|s3://bucket>", "where runs/<runId>/ is kept", ".r1flow")
    .action(async (manifestUri: string, flags: { store: string }) => {
      const { readText } = await import("../../functions/io/objects.ts");
      const { runLocal, StageFailed } = await import("../runner.ts");
      let manifest: ReturnType<typeof parseManifest>;
      try {
        manifest = parseManifest(await readText(manifestUri), manifestUri);
      } catch (error) {
        return fail(
          error instanceof SchemaError ? error.message : `cannot read manifest: ${(error as Error).message}`,
        );
      }
      const store = absoluteUri(flags.store);
      const controller = new AbortController();
      // Ctrl-C, or a TERM from a supervisor: the worker gets SIGTERM and checkpoints; never orphaned.
      const stop = () => {
        process.stderr.write(
          "\nstopping: the running stage checkpoints; run the same command again to resume\n",
        );
        controller.abort();
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const started = Date.now();
      try {
        await runLocal(manifest, { store, onEvent: progressPrinter(), signal: controller.signal });
      } catch (error) {
        if (error instanceof StageFailed) fail(error.message, controller.signal.aborted ? 130 : 1);
        throw error;
      }
      const minutes = ((Date.now() - started) / 60_000).toFixed(1);
      console.log(`run ${manifest.runId} finished in ${minutes} min: ${store}/runs/${manifest.runId}`);
    });
}

/** The `r1flow` command line. Each command lives in its own module; this file only wires them. */
import { Command } from "commander";
import { registerIngest } from "./ingest.ts";
import { registerInspect } from "./inspect.ts";
import { registerRun } from "./run.ts";
import { registerValidate } from "./validate.ts";
import { registerVerify } from "./verify.ts";

const program = new Command()
  .name("r1flow")
  .description("DeepSeek-R1-style reasoning training: locally, or as a serverless pipeline on AWS")
  .version("0.1.0")
  .showHelpAfterError();

registerRun(program);
registerValidate(program);
registerIngest(program);
registerVerify(program);
registerInspect(program);

await program.parseAsync(process.argv);

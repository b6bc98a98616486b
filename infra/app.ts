/** `cdk synth` / `cdk deploy` entry point (cdk.json: `npx tsx infra/app.ts`). */
import { App } from "aws-cdk-lib";
import { buildR1flow } from "./build.ts";

const app = new App();
buildR1flow(app, { handlersDir: process.env.R1FLOW_HANDLERS_DIR });
app.synth();

/**
 * Builds the r1flow app: validates the CDK context, makes the stack, and registers cdk-nag's
 * AwsSolutions pack (any unacknowledged finding fails synth). Shared by `app.ts` and the tests.
 */
import { type App, Validations } from "aws-cdk-lib";
import { parseInfraConfig } from "./config.ts";
import { acknowledgeNagFindings, nagChecks } from "./nag.ts";
import { R1flowStack } from "./stack.ts";

export interface BuildOptions {
  /** Directory of `<handler>.ts` files; default `functions/handlers`. */
  readonly handlersDir?: string;
  /** The worker image's build context; default the repository root. */
  readonly imageContext?: string;
}

export function buildR1flow(app: App, options: BuildOptions = {}): R1flowStack {
  const config = parseInfraConfig((key) => app.node.tryGetContext(key));
  // Environment-agnostic: synth needs no AWS account and does no lookups.
  const stack = new R1flowStack(app, config.stackName, {
    config,
    handlersDir: options.handlersDir,
    imageContext: options.imageContext,
    description: "r1flow: DeepSeek-R1-style reasoning training as a serverless pipeline",
  });
  acknowledgeNagFindings(stack);
  Validations.of(app).addPlugins(nagChecks());
  return stack;
}

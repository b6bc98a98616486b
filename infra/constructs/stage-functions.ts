/**
 * Infrastructure defaults in one place: every Lambda of the stack (the recipe's stage handlers,
 * `plan`, `status` and `trigger`) is made here with the same runtime, bundling, logging and
 * metrics settings, its own role and log group, and no permission beyond what `allow*` grants.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ArnFormat, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { LAMBDA_HANDLERS } from "../../recipe/recipe.ts";
import { METRICS_NAMESPACE } from "../metrics.ts";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const DEFAULT_HANDLERS_DIR = join(REPO_ROOT, "functions", "handlers");

/** Handlers the state machine invokes besides the recipe's stages. */
export const PIPELINE_HANDLERS = [...LAMBDA_HANDLERS, "plan", "status"] as const;
export type PipelineHandler = (typeof PIPELINE_HANDLERS)[number];
export type HandlerName = PipelineHandler | "trigger";

export interface StageFunctionsProps {
  /** Where `<name>.ts` (exporting `handler`) lives; default `functions/handlers`. */
  readonly handlersDir?: string;
  readonly logRetention: logs.RetentionDays;
}

interface Sizing {
  readonly memoryMiB: number;
  readonly timeout: Duration;
}
/** Data stages hold Arrow shards in memory and run up to Lambda's 15 minutes; the rest are small. */
const DATA_STAGE: Sizing = { memoryMiB: 3008, timeout: Duration.minutes(15) };
const SMALL: Sizing = { memoryMiB: 512, timeout: Duration.minutes(1) };
const SIZING: Partial<Record<HandlerName, Sizing>> = {
  plan: { memoryMiB: 1024, timeout: Duration.minutes(5) },
  status: SMALL,
  trigger: SMALL,
  validate: SMALL,
  // Per-shard stages run inside Express child executions of a Distributed Map, which end at 5 minutes.
  score: { memoryMiB: 3008, timeout: Duration.minutes(4) },
  rejection: { memoryMiB: 3008, timeout: Duration.minutes(4) },
};

export class StageFunctions extends Construct {
  private readonly handlersDir: string;
  private readonly byName = new Map<HandlerName, NodejsFunction>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: StageFunctionsProps,
  ) {
    super(scope, id);
    this.handlersDir = props.handlersDir ?? DEFAULT_HANDLERS_DIR;
    const missing = [...PIPELINE_HANDLERS, "trigger"].filter(
      (n) => !existsSync(join(this.handlersDir, `${n}.ts`)),
    );
    if (missing.length > 0) {
      const files = missing.map((n) => join(this.handlersDir, `${n}.ts`)).join(", ");
      throw new Error(`missing Lambda handler file(s), each exporting \`handler\`: ${files}`);
    }
  }

  /** The function for a handler, made on first use (so a handler no state uses is not deployed). */
  fn(name: HandlerName, environment: Record<string, string> = {}): NodejsFunction {
    const existing = this.byName.get(name);
    if (existing) return existing;
    const sizing = SIZING[name] ?? DATA_STAGE;
    const logGroup = new logs.LogGroup(this, `${name}-logs`, {
      retention: this.props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, `${name}-role`, {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `r1flow ${name} function`,
    });
    logGroup.grantWrite(role);
    const fn = new NodejsFunction(this, name, {
      entry: join(this.handlersDir, `${name}.ts`),
      handler: "handler",
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: sizing.memoryMiB,
      timeout: sizing.timeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // X-Ray: Lambda's segment, the handler's subsegment from Powertools Tracer (handlers/shared).
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: "r1flow",
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: "INFO",
        NODE_OPTIONS: "--enable-source-maps",
        ...environment,
      },
      depsLockFilePath: join(REPO_ROOT, "package-lock.json"),
      projectRoot: REPO_ROOT,
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: "node24",
        mainFields: ["module", "main"],
        // ESM bundles of CommonJS dependencies still call require().
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        bundleAwsSDK: true,
        minify: true,
        sourceMap: true,
      },
    });
    this.byName.set(name, fn);
    return fn;
  }

  /** Every function made so far. */
  all(): NodejsFunction[] {
    return [...this.byName.values()];
  }

  /**
   * The run prefix, read and write: what every stage, `plan` and the worker jobs use. A re-run
   * deletes a stage's stale `_SUCCESS` first; a failed multipart upload (a large shard or
   * checkpoint) is aborted. Listing `runs/*` also makes a missing key answer 404, not 403.
   */
  static allowRuns(bucketArn: string, grantee: iam.IGrantable): void {
    StageFunctions.allowObjects(grantee, bucketArn, "runs/*", [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
    ]);
    StageFunctions.allowList(grantee, bucketArn, ["runs/*"]);
  }

  /** The input prefixes, read-only: data sets and models staged in the bucket (listed: a missing one is a 404). */
  static allowInputs(bucketArn: string, grantee: iam.IGrantable): void {
    for (const prefix of ["datasets/*", "models/*"]) {
      StageFunctions.allowObjects(grantee, bucketArn, prefix, ["s3:GetObject"]);
    }
    StageFunctions.allowList(grantee, bucketArn, ["datasets/*", "models/*"]);
  }

  static allowObjects(grantee: iam.IGrantable, bucketArn: string, pattern: string, actions: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions, resources: [`${bucketArn}/${pattern}`] }),
    );
  }

  /** `s3:ListBucket`, only where `s3:prefix` is under the given patterns. */
  /** Lets `fn` call Step Functions `actions` on the executions of one state machine only. */
  static allowExecutions(fn: lambda.IFunction, stateMachineName: string, actions: string[]): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions,
        resources: [
          Stack.of(fn).formatArn({
            service: "states",
            resource: "execution",
            resourceName: `${stateMachineName}:*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }

  static allowList(grantee: iam.IGrantable, bucketArn: string, prefixes: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [bucketArn],
        conditions: { StringLike: { "s3:prefix": prefixes } },
      }),
    );
  }
}

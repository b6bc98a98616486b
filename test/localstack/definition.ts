/**
 * What the CDK app synthesizes, made deployable on LocalStack: the state machine's definition with
 * every CloudFormation reference resolved to a well-formed ARN of its kind (Lambda functions, Batch
 * queues and job definitions, the bucket's name), and the trigger rule's event pattern for a given
 * bucket. Both are read from the synthesized template (test/infra/fixture.ts), so the tests run what
 * `cdk deploy` would deploy.
 */
import {
  CreateStateMachineCommand,
  ListStateMachinesCommand,
  type SFNClient,
  UpdateStateMachineCommand,
} from "@aws-sdk/client-sfn";
import type { AslMachine } from "../infra/asl.ts";
import { synthesized } from "../infra/fixture.ts";
import { ACCOUNT, REGION } from "./aws.ts";

type Json = unknown;
type Resources = Record<string, { Type: string; Properties?: Record<string, Json> }>;

function resources(): Resources {
  return synthesized().template.toJSON().Resources as Resources;
}

/** A fake but well-formed ARN (or name) for what `Ref`/`Fn::GetAtt` of a logical id gives. */
function arnFor(logicalId: string, attribute: string | undefined, res: Resources, bucket: string): string {
  const type = res[logicalId]?.Type;
  if (type === "AWS::S3::Bucket") {
    if (attribute === undefined) return bucket;
    if (attribute === "Arn") return `arn:aws:s3:::${bucket}`;
  }
  if (type === "AWS::Lambda::Function" && attribute === "Arn")
    return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;
  if (type === "AWS::Batch::JobQueue" && (attribute === "JobQueueArn" || attribute === undefined))
    return `arn:aws:batch:${REGION}:${ACCOUNT}:job-queue/${logicalId}`;
  if (type === "AWS::Batch::JobDefinition" && attribute === undefined)
    return `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/${logicalId}:1`;
  throw new Error(
    `no fake ARN for ${attribute ? `Fn::GetAtt ${logicalId}.${attribute}` : `Ref ${logicalId}`} (${type})`,
  );
}

/** CloudFormation intrinsics (`Fn::Join`, `Ref`, `Fn::GetAtt`) resolved as LocalStack needs them. */
function resolve(value: Json, res: Resources, bucket: string): Json {
  if (Array.isArray(value)) return value.map((v) => resolve(v, res, bucket));
  if (value === null || typeof value !== "object") return value;
  const v = value as Record<string, Json>;
  if ("Fn::Join" in v) {
    const [sep, parts] = v["Fn::Join"] as [string, Json[]];
    return parts.map((p) => String(resolve(p, res, bucket))).join(sep);
  }
  if ("Ref" in v) {
    const ref = String(v.Ref);
    if (ref === "AWS::Partition") return "aws";
    if (ref === "AWS::Region") return REGION;
    if (ref === "AWS::AccountId") return ACCOUNT;
    return arnFor(ref, undefined, res, bucket);
  }
  if ("Fn::GetAtt" in v) {
    const [id, attr] = v["Fn::GetAtt"] as [string, string];
    return arnFor(id, attr, res, bucket);
  }
  const unknown = Object.keys(v).find((k) => k.startsWith("Fn::"));
  if (unknown) throw new Error(`unexpected intrinsic ${unknown} in the synthesized template`);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x, res, bucket)]));
}

function stateMachineResource(res: Resources) {
  const machines = Object.values(res).filter((r) => r.Type === "AWS::StepFunctions::StateMachine");
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  return machines[0]!.Properties!;
}

/** The synthesized definition with references resolved; the artifact bucket is `bucket`. */
export function synthesizedDefinition(bucket: string, name: string): AslMachine {
  const res = resources();
  const props = stateMachineResource(res);
  const synthName = String(props.StateMachineName);
  // The GRPO loop's hand-over starts the machine by its name: this deployment's name.
  const text = String(resolve(props.DefinitionString, res, bucket)).replaceAll(
    `:stateMachine:${synthName}"`,
    `:stateMachine:${name}"`,
  );
  return JSON.parse(text) as AslMachine;
}

/**
 * What had to change for LocalStack to accept the definition, one line per change:
 * - `ProcessorConfig.ExecutionType: "EXPRESS"` of a Distributed Map becomes `"STANDARD"`: the
 *   emulator's ASL grammar (2026.3) knows STANDARD child executions only. AWS runs EXPRESS; the
 *   control flow is the same.
 * - A Distributed Map's `ResultWriter` with a JSONPath `Prefix.$` gets a fixed `Prefix`: the emulator
 *   evaluates the writer's parameters against the Map's results instead of its input. On AWS the path
 *   is read from the state input, and the prefix names the run and iteration.
 * - A Task whose `Parameters` is a string (not an object) loses it, so the task gets its state input.
 *   That is a product bug, not an emulator limit: a test fails on it (see state-machine.test.ts).
 */
export function emulatorPatches(machine: AslMachine, where = ""): string[] {
  const patches: string[] = [];
  for (const [name, state] of Object.entries(machine.States)) {
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) {
      const config = (inner as { ProcessorConfig?: { ExecutionType?: string } }).ProcessorConfig;
      if (config?.ExecutionType === "EXPRESS") {
        config.ExecutionType = "STANDARD";
        patches.push(`${where}${name}: Distributed Map child executions EXPRESS → STANDARD (emulator limit)`);
      }
      patches.push(...emulatorPatches(inner, `${where}${name} / `));
    }
    const writer = state.ResultWriter as { Parameters?: Record<string, unknown> } | undefined;
    if (writer?.Parameters && "Prefix.$" in writer.Parameters) {
      delete writer.Parameters["Prefix.$"];
      writer.Parameters.Prefix = `map-results/${name}`;
      patches.push(`${where}${name}: ResultWriter "Prefix.$" → a fixed Prefix (emulator limit)`);
    }
    if (typeof state.Parameters === "string") {
      patches.push(
        `${where}${name}: "Parameters": ${JSON.stringify(state.Parameters)} is a string, not an object (removed)`,
      );
      delete state.Parameters;
    }
  }
  return patches;
}

/** The synthesized definition as LocalStack accepts it (see `emulatorPatches`). */
export function deployableDefinition(bucket: string, name: string): AslMachine {
  const machine = synthesizedDefinition(bucket, name);
  emulatorPatches(machine);
  return machine;
}

/** The trigger rule's event pattern, as synthesized, for the artifact bucket `bucket`. */
export function manifestRulePattern(bucket: string): Record<string, Json> {
  const res = resources();
  const rules = Object.values(res).filter((r) => r.Type === "AWS::Events::Rule");
  const rule = rules.find((r) => JSON.stringify(r.Properties?.EventPattern ?? {}).includes("Object Created"));
  if (!rule) throw new Error("the synthesized template has no rule on S3 Object Created events");
  return resolve(rule.Properties!.EventPattern, res, bucket) as Record<string, Json>;
}

/** Creates the state machine, or updates it when one of that name exists (a rerun). */
export async function deployStateMachine(
  sfn: SFNClient,
  name: string,
  definition: AslMachine,
): Promise<string> {
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/r1flow-localstack-tests`;
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ nextToken }));
    const found = page.stateMachines?.find((m) => m.name === name);
    if (found?.stateMachineArn) {
      await sfn.send(
        new UpdateStateMachineCommand({
          stateMachineArn: found.stateMachineArn,
          definition: JSON.stringify(definition),
          roleArn,
        }),
      );
      return found.stateMachineArn;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  const out = await sfn.send(
    new CreateStateMachineCommand({
      name,
      type: "STANDARD",
      definition: JSON.stringify(definition),
      roleArn,
    }),
  );
  return out.stateMachineArn!;
}

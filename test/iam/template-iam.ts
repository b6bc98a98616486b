/**
 * The synthesized template's IAM, concrete: who each principal is (a Lambda function, a Batch job
 * definition's job role, the state machine), the policy documents attached to its role, and the
 * artifact bucket's policy, with `Ref`/`Fn::GetAtt`/`Fn::Join`/`Fn::Sub`/`Fn::Select`/`Fn::Split`
 * resolved to ARNs of a fake account and region. The artifact bucket and the state machine take
 * the names a test used, so recorded calls line up with the template's resources.
 */

import { RECIPE_WORKERS } from "../../infra/constructs/worker-jobs.ts";

type Json = unknown;
type Resource = { Type: string; Properties?: Record<string, Json> };
type Resources = Record<string, Resource>;

export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, Json>[];
}

export interface Principal {
  /**
   * `function:<handler>`, `job:<worker>` (the worker stage the job definition runs, e.g. `job:sft`,
   * `job:grpo-block`; `job:multinode` for the multi-node definition), or `stateMachine`.
   */
  readonly id: string;
  readonly roleArn: string;
  readonly policies: { name: string; policy: PolicyDocument }[];
}

export interface IamModel {
  readonly account: string;
  readonly region: string;
  readonly bucket: string;
  readonly stateMachineArn: string;
  readonly principals: ReadonlyMap<string, Principal>;
  /** The artifact bucket's policy (a resource policy for every call on it). */
  readonly bucketPolicy: PolicyDocument;
  principal(id: string): Principal;
}

export interface ModelOptions {
  readonly bucket: string;
  readonly account?: string;
  readonly region?: string;
  /** The state machine's name in this test (default: the synthesized one). */
  readonly stateMachineName?: string;
}

const FUNCTION_ID = /^Functions([a-z0-9]+)[0-9A-F]{8}$/;
const JOB_ID = /^Worker([a-z0-9]+)[0-9A-F]{8}$/;
/** A job definition's logical id drops the hyphens of its worker stage's name (`grpo-block` → `grpoblock`). */
const WORKER_OF_ID = new Map<string, string>(RECIPE_WORKERS.map((w) => [w.replaceAll("-", ""), w]));

class Resolver {
  constructor(
    private readonly res: Resources,
    private readonly opts: Required<ModelOptions>,
    private readonly artifactBucket: string,
  ) {}

  private bucketName(id: string): string {
    return id === this.artifactBucket ? this.opts.bucket : id.toLowerCase();
  }

  ref(id: string): string {
    const { account, region } = this.opts;
    if (id === "AWS::Partition") return "aws";
    if (id === "AWS::Region") return region;
    if (id === "AWS::AccountId") return account;
    if (id === "AWS::URLSuffix") return "amazonaws.com";
    const type = this.res[id]?.Type;
    if (type === "AWS::S3::Bucket") return this.bucketName(id);
    if (type === "AWS::StepFunctions::StateMachine")
      return `arn:aws:states:${region}:${account}:stateMachine:${this.opts.stateMachineName}`;
    if (type === "AWS::Batch::JobDefinition")
      return `arn:aws:batch:${region}:${account}:job-definition/${id}:1`;
    if (type === "AWS::Batch::JobQueue") return `arn:aws:batch:${region}:${account}:job-queue/${id}`;
    if (type === "AWS::SNS::Topic") return `arn:aws:sns:${region}:${account}:${id}`;
    if (type === "AWS::SQS::Queue") return `https://sqs.${region}.amazonaws.com/${account}/${id}`;
    return id;
  }

  getAtt(id: string, attr: string): string {
    const { account, region } = this.opts;
    const type = this.res[id]?.Type;
    if (type === "AWS::S3::Bucket" && attr === "Arn") return `arn:aws:s3:::${this.bucketName(id)}`;
    if (type === "AWS::Lambda::Function" && attr === "Arn")
      return `arn:aws:lambda:${region}:${account}:function:${id}`;
    if (type === "AWS::IAM::Role" && attr === "Arn") return `arn:aws:iam::${account}:role/${id}`;
    if (type === "AWS::Logs::LogGroup" && attr === "Arn")
      return `arn:aws:logs:${region}:${account}:log-group:${id}:*`;
    if (type === "AWS::Batch::JobQueue" && attr === "JobQueueArn") return this.ref(id);
    if (type === "AWS::SQS::Queue" && attr === "Arn") return `arn:aws:sqs:${region}:${account}:${id}`;
    if (type === "AWS::StepFunctions::StateMachine" && attr === "Name") return this.opts.stateMachineName;
    return `${id}.${attr}`;
  }

  value(v: Json): Json {
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v === null || typeof v !== "object") return v;
    const o = v as Record<string, Json>;
    if ("Ref" in o) return this.ref(String(o.Ref));
    if ("Fn::GetAtt" in o) {
      const [id, attr] = o["Fn::GetAtt"] as [string, string];
      return this.getAtt(id, attr);
    }
    if ("Fn::Join" in o) {
      const [sep, parts] = o["Fn::Join"] as [string, Json[]];
      return parts.map((p) => String(this.value(p))).join(sep);
    }
    if ("Fn::Sub" in o) {
      const arg = o["Fn::Sub"];
      const [text, vars] = typeof arg === "string" ? [arg, {}] : (arg as [string, Record<string, Json>]);
      return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
        if (name in vars) return String(this.value(vars[name]));
        const [id, attr] = name.split(".");
        return attr ? this.getAtt(id!, attr) : this.ref(id!);
      });
    }
    if ("Fn::Select" in o) {
      const [index, list] = o["Fn::Select"] as [number, Json];
      return (this.value(list) as Json[])[Number(index)];
    }
    if ("Fn::Split" in o) {
      const [sep, text] = o["Fn::Split"] as [string, Json];
      return String(this.value(text)).split(sep);
    }
    const unknown = Object.keys(o).find((k) => k.startsWith("Fn::"));
    if (unknown) throw new Error(`template-iam: unsupported intrinsic ${unknown}`);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, this.value(x)]));
  }
}

function roleIdOf(value: Json, where: string): string {
  const att = (value as { "Fn::GetAtt"?: [string, string] } | undefined)?.["Fn::GetAtt"];
  const [id, attr] = att ?? [];
  if (!id || attr !== "Arn") throw new Error(`${where}: role is not a Fn::GetAtt of a role's Arn`);
  return id;
}

/** The role logical id of every Lambda function, job definition and the state machine. */
function rolesOf(res: Resources): Map<string, string> {
  const roles = new Map<string, string>();
  for (const [id, r] of Object.entries(res)) {
    const p = r.Properties ?? {};
    if (r.Type === "AWS::Lambda::Function") {
      const m = FUNCTION_ID.exec(id);
      if (m) roles.set(`function:${m[1]}`, roleIdOf(p.Role, id));
    } else if (r.Type === "AWS::Batch::JobDefinition") {
      const m = JOB_ID.exec(id);
      const container = (p.ContainerProperties ??
        (p.NodeProperties as { NodeRangeProperties: { Container: Json }[] }).NodeRangeProperties[0]!
          .Container) as Record<string, Json>;
      if (m) roles.set(`job:${WORKER_OF_ID.get(m[1]!) ?? m[1]}`, roleIdOf(container.JobRoleArn, id));
    } else if (r.Type === "AWS::StepFunctions::StateMachine") {
      if (roles.has("stateMachine")) throw new Error("template-iam: more than one state machine");
      roles.set("stateMachine", roleIdOf(p.RoleArn, id));
    }
  }
  return roles;
}

/** `template`: the synthesized template's JSON (`Template.toJSON()`). */
export function iamModel(template: Record<string, unknown>, options: ModelOptions): IamModel {
  const res = template.Resources as Resources;
  const machines = Object.entries(res).filter(([, r]) => r.Type === "AWS::StepFunctions::StateMachine");
  const synthName = String(machines[0]?.[1].Properties?.StateMachineName ?? "state-machine");
  const opts: Required<ModelOptions> = {
    account: "111122223333",
    region: "us-east-1",
    stateMachineName: synthName,
    ...options,
  };
  const artifactPolicy = Object.values(res).find(
    (r) =>
      r.Type === "AWS::S3::BucketPolicy" &&
      /^StoreArtifacts/.test(String((r.Properties?.Bucket as { Ref?: string })?.Ref)),
  );
  if (!artifactPolicy) throw new Error("template-iam: no policy on the artifact bucket (StoreArtifacts…)");
  const artifactBucket = String((artifactPolicy.Properties!.Bucket as { Ref: string }).Ref);
  const resolver = new Resolver(res, opts, artifactBucket);

  const principals = new Map<string, Principal>();
  for (const [id, roleId] of rolesOf(res)) {
    const role = res[roleId];
    if (role?.Type !== "AWS::IAM::Role")
      throw new Error(`template-iam: ${id}'s role ${roleId} is not a role`);
    const policies: Principal["policies"] = [];
    for (const [policyId, r] of Object.entries(res)) {
      if (r.Type !== "AWS::IAM::Policy") continue;
      const attached = (r.Properties!.Roles as { Ref?: string }[]).some((x) => x.Ref === roleId);
      if (attached)
        policies.push({
          name: policyId,
          policy: resolver.value(r.Properties!.PolicyDocument) as PolicyDocument,
        });
    }
    for (const inline of (role.Properties?.Policies as { PolicyName: string; PolicyDocument: Json }[]) ??
      []) {
      policies.push({
        name: inline.PolicyName,
        policy: resolver.value(inline.PolicyDocument) as PolicyDocument,
      });
    }
    principals.set(id, { id, roleArn: resolver.getAtt(roleId, "Arn"), policies });
  }
  return {
    account: opts.account,
    region: opts.region,
    bucket: opts.bucket,
    stateMachineArn: resolver.ref(machines[0]![0]),
    principals,
    bucketPolicy: resolver.value(artifactPolicy.Properties!.PolicyDocument) as PolicyDocument,
    principal(id) {
      const p = principals.get(id);
      if (!p)
        throw new Error(`no principal "${id}" in the template (have ${[...principals.keys()].join(", ")})`);
      return p;
    },
  };
}

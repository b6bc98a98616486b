/**
 * Each recorded AWS call as the IAM authorization requests AWS makes for it: the action, the
 * resource ARN and the condition keys the policies can test. From the service authorization
 * reference: HEAD is authorized as s3:GetObject, the multipart operations as s3:PutObject (abort
 * and list-parts have their own actions), a copy (CopyObject, UploadPartCopy) as s3:GetObject on
 * the source and s3:PutObject on the target, DeleteObjects as s3:DeleteObject per key, ListObjectsV2
 * as s3:ListBucket on the bucket with `s3:prefix`. And S3's rule for a missing key: a GET or HEAD
 * answers 404 only to a caller allowed s3:ListBucket on the bucket (for that key), else 403.
 */

export interface Call {
  readonly service: string;
  readonly operation: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly status?: number;
}

export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string>;
  /** Why this request is made, when it is not the call's own action. */
  readonly because?: string;
}

const MACHINE_TEST_CASE = /#[^:/]+$/;

/** LocalStack's mocked test cases ride on the ARN (`<arn>#<case>`); AWS sees the ARN alone. */
function plainArn(arn: unknown): string {
  return String(arn).replace(MACHINE_TEST_CASE, "");
}

function s3Requests(call: Call): IamRequest[] {
  const { operation: op, input } = call;
  const bucket = String(input.Bucket);
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const object = (key: unknown) => `${bucketArn}/${String(key)}`;
  const one = (action: string, resource = object(input.Key)): IamRequest[] => [
    { action, resource, context: {} },
  ];
  switch (op) {
    case "GetObject":
    case "HeadObject": {
      const read = one(input.VersionId ? "s3:GetObjectVersion" : "s3:GetObject");
      if (call.status !== 404) return read;
      return [
        ...read,
        {
          action: "s3:ListBucket",
          resource: bucketArn,
          context: { "s3:prefix": String(input.Key) },
          because: `${op} of the missing key ${String(input.Key)} answers 403, not 404, without it`,
        },
      ];
    }
    case "PutObject":
    case "CreateMultipartUpload":
    case "UploadPart":
    case "CompleteMultipartUpload":
      return one("s3:PutObject");
    case "AbortMultipartUpload":
      return one("s3:AbortMultipartUpload");
    case "ListParts":
      return one("s3:ListMultipartUploadParts");
    case "DeleteObject":
      return one(input.VersionId ? "s3:DeleteObjectVersion" : "s3:DeleteObject");
    case "DeleteObjects": {
      const keys = ((input.Delete as { Objects?: { Key?: string }[] } | undefined)?.Objects ?? []).map(
        (o) => o.Key,
      );
      return keys.map((k) => ({ action: "s3:DeleteObject", resource: object(k), context: {} }));
    }
    case "ListObjectsV2":
    case "ListObjects":
      return [
        {
          action: "s3:ListBucket",
          resource: bucketArn,
          context: { "s3:prefix": String(input.Prefix ?? "") },
        },
      ];
    case "CopyObject":
    case "UploadPartCopy": {
      const source = decodeURIComponent(String(input.CopySource)).replace(/^\//, "");
      return [
        { action: "s3:GetObject", resource: `arn:aws:s3:::${source}`, context: {} },
        ...one("s3:PutObject"),
      ];
    }
    default:
      throw new Error(`no IAM mapping for S3 ${op}: add it to test/iam/actions.ts`);
  }
}

function sfnRequests(call: Call): IamRequest[] {
  const { operation: op, input } = call;
  if (op === "StartExecution")
    return [{ action: "states:StartExecution", resource: plainArn(input.stateMachineArn), context: {} }];
  if (op === "DescribeExecution" || op === "StopExecution" || op === "GetExecutionHistory")
    return [{ action: `states:${op}`, resource: plainArn(input.executionArn), context: {} }];
  throw new Error(`no IAM mapping for Step Functions ${op}: add it to test/iam/actions.ts`);
}

function batchRequests(call: Call, region: string, account: string): IamRequest[] {
  const { operation: op, input } = call;
  if (op === "SubmitJob") {
    return [
      { action: "batch:SubmitJob", resource: String(input.jobQueue), context: {} },
      { action: "batch:SubmitJob", resource: String(input.jobDefinition), context: {} },
    ];
  }
  // DescribeJobs takes no resource; TerminateJob names the job.
  if (op === "DescribeJobs") return [{ action: "batch:DescribeJobs", resource: "*", context: {} }];
  if (op === "TerminateJob")
    return [
      {
        action: "batch:TerminateJob",
        resource: `arn:aws:batch:${region}:${account}:job/${String(input.jobId)}`,
        context: {},
      },
    ];
  throw new Error(`no IAM mapping for Batch ${op}: add it to test/iam/actions.ts`);
}

/** The IAM requests of one call; `region` and `account` name resources the call gives by id only. */
export function iamRequests(call: Call, region: string, account: string): IamRequest[] {
  if (call.service === "s3") return s3Requests(call);
  if (call.service === "sfn") return sfnRequests(call);
  if (call.service === "batch") return batchRequests(call, region, account);
  if (call.service === "lambda" && call.operation === "Invoke")
    return [{ action: "lambda:InvokeFunction", resource: String(call.input.FunctionName), context: {} }];
  if (call.service === "events" && ["PutRule", "PutTargets", "DescribeRule"].includes(call.operation))
    return [
      {
        action: `events:${call.operation}`,
        resource: `arn:aws:events:${region}:${account}:rule/${String(call.input.Name ?? call.input.Rule)}`,
        context: {},
      },
    ];
  throw new Error(`no IAM mapping for ${call.service} ${call.operation}: add it to test/iam/actions.ts`);
}

/**
 * Evaluates recorded calls against the synthesized roles with @cloud-copilot/iam-simulate (a
 * dev-only test tool, AGPL): each call's IAM requests (actions.ts) under its principal's identity
 * policies and, for the artifact bucket, the bucket policy. LocalStack enforces no IAM; this is
 * where a call the deployed role would refuse shows up, named by principal, action and resource.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { type Call, type IamRequest, iamRequests } from "./actions.ts";
import type { IamModel } from "./template-iam.ts";

export interface RecordedCall extends Call {
  /** Whose role makes the call: `function:<handler>`, `job:<worker>` or `stateMachine`. */
  readonly principal: string;
}

export interface Verdict {
  readonly principal: string;
  readonly request: IamRequest;
  readonly call: string;
  readonly allowed: boolean;
  readonly detail: string;
}

function describe(call: RecordedCall): string {
  const i = call.input;
  const where =
    i.Key !== undefined
      ? `${String(i.Bucket)}/${String(i.Key)}`
      : String(i.Bucket ?? i.stateMachineArn ?? i.executionArn ?? "");
  return `${call.service} ${call.operation} ${where}${call.status ? ` → ${call.status}` : ""}`;
}

async function evaluate(
  model: IamModel,
  principalId: string,
  request: IamRequest,
): Promise<{ allowed: boolean; detail: string }> {
  const principal = model.principal(principalId);
  const onBucket = request.resource.startsWith(`arn:aws:s3:::${model.bucket}`);
  const response = await runSimulation(
    {
      identityPolicies: principal.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(onBucket ? { resourcePolicy: model.bucketPolicy as never } : {}),
      request: {
        principal: principal.roleArn,
        action: request.action,
        resource: {
          resource: request.resource,
          accountId: request.resource.startsWith("arn:aws:s3:::") ? model.account : model.account,
        },
        contextVariables: { "aws:SecureTransport": "true", ...request.context },
      },
    },
    {},
  );
  if (response.resultType === "error") {
    return { allowed: false, detail: `simulation error: ${JSON.stringify(response.errors)}` };
  }
  return { allowed: response.overallResult === "Allowed", detail: response.overallResult };
}

/** Every distinct (principal, request) of the calls, evaluated once each. */
export async function simulateCalls(model: IamModel, calls: readonly RecordedCall[]): Promise<Verdict[]> {
  const seen = new Map<string, Verdict>();
  for (const call of calls) {
    for (const request of iamRequests(call, model.region, model.account)) {
      const key = JSON.stringify([call.principal, request.action, request.resource, request.context]);
      if (seen.has(key)) continue;
      const { allowed, detail } = await evaluate(model, call.principal, request);
      seen.set(key, { principal: call.principal, request, call: describe(call), allowed, detail });
    }
  }
  return [...seen.values()];
}

/** One line per denied request: principal, action, resource (and condition keys), the call, why. */
export function denials(verdicts: readonly Verdict[]): string[] {
  return verdicts
    .filter((v) => !v.allowed)
    .map((v) => {
      const ctx = Object.entries(v.request.context)
        .map(([k, x]) => `${k}=${x}`)
        .join(", ");
      const why = v.request.because ? `; ${v.request.because}` : "";
      return `${v.principal}: ${v.request.action} on ${v.request.resource}${ctx ? ` (${ctx})` : ""} ${v.detail} — for ${v.call}${why}`;
    });
}

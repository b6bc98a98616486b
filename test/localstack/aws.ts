/**
 * Clients for the LocalStack suite: the endpoint comes from AWS_ENDPOINT_URL (scripts/test.sh, or
 * `source scripts/localstack.sh && localstack_start`, or a LocalStack a user runs in Docker), and a
 * missing endpoint is an error, not a skip. S3 and Step Functions go through the AWS SDK; EventBridge
 * and SQS, whose SDK clients the project does not depend on, through their JSON protocols.
 */
import { randomBytes } from "node:crypto";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";

export const REGION = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "us-east-1";
/** LocalStack's default account. */
export const ACCOUNT = "000000000000";

/** The emulator's endpoint; throws with what to do when it is not set. */
export function endpoint(): string {
  const url = process.env.AWS_ENDPOINT_URL;
  if (!url) {
    throw new Error(
      "AWS_ENDPOINT_URL is not set: the LocalStack suite talks to a real AWS emulator. Run it through " +
        "scripts/test.sh, or `source scripts/localstack.sh && localstack_start` first, or export " +
        "AWS_ENDPOINT_URL=http://localhost:4566 for a LocalStack running in Docker.",
    );
  }
  process.env.AWS_ACCESS_KEY_ID ||= "test";
  process.env.AWS_SECRET_ACCESS_KEY ||= "test";
  process.env.AWS_REGION ||= REGION;
  return url.replace(/\/+$/, "");
}

/** A name unique to this test run: reruns against the same LocalStack do not collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

export function s3Client(): S3Client {
  return new S3Client({ region: REGION, endpoint: endpoint(), forcePathStyle: true });
}

export function sfnClient(): SFNClient {
  return new SFNClient({ region: REGION, endpoint: endpoint() });
}

/**
 * One call of an AWS JSON-protocol API (`X-Amz-Target: <prefix>.<Action>`). LocalStack does not
 * check SigV4, but routes by the Authorization header's credential scope, so a well-formed dummy
 * one is sent.
 */
async function jsonCall(
  service: "events" | "sqs",
  target: string,
  contentType: string,
  action: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, "");
  const res = await fetch(`${endpoint()}/`, {
    method: "POST",
    headers: {
      "Content-Type": contentType,
      "X-Amz-Target": `${target}.${action}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=test/${date}/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${service} ${action}: HTTP ${res.status}: ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export const events = (action: string, body: Record<string, unknown>) =>
  jsonCall("events", "AWSEvents", "application/x-amz-json-1.1", action, body);

export const sqs = (action: string, body: Record<string, unknown>) =>
  jsonCall("sqs", "AmazonSQS", "application/x-amz-json-1.0", action, body);

export interface QueueMessage {
  readonly body: string;
  readonly receiptHandle: string;
}

/** Long-polls a queue once; returns (and deletes) what arrived. */
export async function receive(queueUrl: string, waitSeconds = 1): Promise<QueueMessage[]> {
  const out = await sqs("ReceiveMessage", {
    QueueUrl: queueUrl,
    MaxNumberOfMessages: 10,
    WaitTimeSeconds: waitSeconds,
  });
  const messages = ((out.Messages as { Body: string; ReceiptHandle: string }[] | undefined) ?? []).map(
    (m) => ({ body: m.Body, receiptHandle: m.ReceiptHandle }),
  );
  for (const m of messages) {
    await sqs("DeleteMessage", { QueueUrl: queueUrl, ReceiptHandle: m.receiptHandle });
  }
  return messages;
}

/** The ports of `ports.ts` over the AWS SDK: thin glue, exercised against LocalStack, not unit tests. */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  type SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { type Executions, type RunObjects, WriteConflictError } from "./ports.ts";

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

export function s3RunObjects(client: S3Client, bucket: string): RunObjects {
  return {
    async get(key, versionId) {
      try {
        const out = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
        );
        return { text: (await out.Body?.transformToString("utf-8")) ?? "", etag: out.ETag ?? "" };
      } catch (err) {
        if ((err as Error).name === "NoSuchKey" || httpStatus(err) === 404) return null;
        throw err;
      }
    },
    async put(key, text, condition) {
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: text,
            ContentType: "application/json",
            IfMatch: condition?.ifMatch,
            IfNoneMatch: condition?.ifNoneMatch,
          }),
        );
      } catch (err) {
        // 412: the condition failed; 409: a concurrent conditional write is in flight.
        const status = httpStatus(err);
        if (status === 412 || status === 409) throw new WriteConflictError(key);
        throw err;
      }
    },
  };
}

export function sfnExecutions(client: SFNClient, stateMachineArn: string): Executions {
  return {
    async start(name, input) {
      try {
        const out = await client.send(
          new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
        );
        return { started: true, executionArn: out.executionArn ?? "" };
      } catch (err) {
        if (err instanceof ExecutionAlreadyExists || (err as Error).name === "ExecutionAlreadyExists") {
          return { started: false };
        }
        throw err;
      }
    },
    async isRunning(executionArn) {
      try {
        const out = await client.send(new DescribeExecutionCommand({ executionArn }));
        return out.status === "RUNNING";
      } catch (err) {
        if ((err as Error).name === "ExecutionDoesNotExist") return false;
        throw err;
      }
    },
  };
}

import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { ACCOUNT, events, REGION, receive, s3Client, sqs, uniqueName } from "../aws.ts";

const s3 = s3Client();
const bucket = uniqueName("r1flow-ev");
await s3.send(new CreateBucketCommand({ Bucket: bucket }));
await s3.send(
  new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
);
await s3.send(
  new PutBucketNotificationConfigurationCommand({
    Bucket: bucket,
    NotificationConfiguration: { EventBridgeConfiguration: {} },
  }),
);
const q = await sqs("CreateQueue", { QueueName: uniqueName("trig") });
const queueUrl = q.QueueUrl as string;
const attrs = await sqs("GetQueueAttributes", { QueueUrl: queueUrl, AttributeNames: ["QueueArn"] });
console.log(q, attrs);
const rule = uniqueName("rule");
const pattern = {
  source: ["aws.s3"],
  "detail-type": ["Object Created"],
  detail: { bucket: { name: [bucket] }, object: { key: [{ wildcard: "runs/*/manifest.json" }] } },
};
console.log(await events("PutRule", { Name: rule, EventPattern: JSON.stringify(pattern), State: "ENABLED" }));
console.log(
  await events("PutTargets", { Rule: rule, Targets: [{ Id: "q", Arn: (attrs.Attributes as any).QueueArn }] }),
);
await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "runs/a/other.json", Body: "{}" }));
await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "runs/a/manifest.json", Body: "{}" }));
const t0 = Date.now();
for (let i = 0; i < 5; i++) {
  const m = await receive(queueUrl, 1);
  for (const x of m) console.log(Date.now() - t0, x.body);
}

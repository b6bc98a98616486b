import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { s3Client, sfnClient, uniqueName } from "../aws.ts";
import { deployableDefinition, deployStateMachine } from "../definition.ts";
import { MOCKED_MACHINE, mockConfig, SHARDS_KEY, writeMockConfig } from "../mocks.ts";

const s3 = s3Client();
const sfn = sfnClient();
const bucket = uniqueName("r1flow-sm");
await s3.send(new CreateBucketCommand({ Bucket: bucket }));
await s3.send(
  new PutObjectCommand({
    Bucket: bucket,
    Key: SHARDS_KEY,
    Body: JSON.stringify([`s3://${bucket}/a.arrow`, `s3://${bucket}/b.arrow`]),
  }),
);
console.log(writeMockConfig());
const arn = await deployStateMachine(sfn, MOCKED_MACHINE, deployableDefinition(bucket, MOCKED_MACHINE));
const tc = process.argv[2] ?? "FullRun";
const runId = uniqueName("run");
const t0 = Date.now();
const ex = await sfn.send(
  new StartExecutionCommand({
    stateMachineArn: tc === "none" ? arn : `${arn}#${tc}`,
    name: runId,
    input: JSON.stringify({
      runId,
      runUri: `s3://${bucket}/runs/${runId}`,
      manifestUri: `s3://${bucket}/runs/${runId}/manifest.json`,
      bucket,
    }),
  }),
);
for (;;) {
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn: ex.executionArn }));
  if (d.status !== "RUNNING") {
    console.log(d.status, d.error, d.cause?.slice(0, 300), Date.now() - t0);
    break;
  }
  await new Promise((r) => setTimeout(r, 300));
}
const events: any[] = [];
let nextToken: string | undefined;
do {
  const h = await sfn.send(
    new GetExecutionHistoryCommand({ executionArn: ex.executionArn, nextToken, maxResults: 1000 }),
  );
  events.push(...(h.events ?? []));
  nextToken = h.nextToken;
} while (nextToken);
console.log(events.length);
for (const e of events) {
  const d = e.stateEnteredEventDetails;
  if (d) console.log(e.type, d.name);
  else if (/Fail|Map/.test(e.type)) console.log(" ", e.type, JSON.stringify(e).slice(0, 300));
}

import { DescribeMapRunCommand, ListMapRunsCommand } from "@aws-sdk/client-sfn";

const runs = await sfn.send(new ListMapRunsCommand({ executionArn: ex.executionArn }));
for (const r of runs.mapRuns ?? []) {
  const d = await sfn.send(new DescribeMapRunCommand({ mapRunArn: r.mapRunArn }));
  console.log(d.status, JSON.stringify(d.itemCounts));
}
const f = events
  .filter((e) => e.type === "LambdaFunctionScheduled")
  .map((e) => e.lambdaFunctionScheduledEventDetails.input);
console.log(
  f.slice(0, 3),
  f.find((x: string) => x.includes('"stage"')),
);

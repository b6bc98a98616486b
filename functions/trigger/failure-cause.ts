/**
 * A failed execution ends with its failed state's `{ Error, Cause }`; the cause of a Batch `.sync`
 * task is the whole job description (kilobytes of JSON) and a Lambda's is its error JSON. This keeps
 * the line a person needs in `status.json`: what failed, why, and where its log is.
 */
import { z } from "zod";

export const CaughtError = z.object({ Error: z.string().default("Error"), Cause: z.string().optional() });
export type CaughtError = z.infer<typeof CaughtError>;

const MAX_CAUSE = 2000;

const BatchJob = z.object({
  JobName: z.string().optional(),
  Status: z.string().optional(),
  StatusReason: z.string().optional(),
  Attempts: z
    .array(
      z.object({ Container: z.object({ ExitCode: z.number().optional(), Reason: z.string().optional() }) }),
    )
    .optional(),
  Container: z.object({ LogStreamName: z.string().optional() }).optional(),
});

const LambdaError = z.object({ errorType: z.string().optional(), errorMessage: z.string() });

function clip(text: string): string {
  return text.length > MAX_CAUSE ? `${text.slice(0, MAX_CAUSE - 3)}...` : text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function summarizeCause(caught: CaughtError): string {
  const raw = caught.Cause ?? "";
  const json = parseJson(raw);
  const lambda = LambdaError.safeParse(json);
  if (lambda.success) {
    return clip(`${caught.Error}: ${lambda.data.errorType ?? "Error"}: ${lambda.data.errorMessage}`);
  }
  const batch = BatchJob.safeParse(json);
  if (batch.success && (batch.data.StatusReason || batch.data.Status)) {
    const job = batch.data;
    const last = job.Attempts?.at(-1)?.Container;
    const parts = [
      `Batch job ${job.JobName ?? "?"} ${job.Status ?? "FAILED"}: ${job.StatusReason ?? "no reason given"}`,
      last?.ExitCode !== undefined ? `exit code ${last.ExitCode}` : "",
      last?.Reason ? `container: ${last.Reason}` : "",
      job.Container?.LogStreamName ? `log stream ${job.Container.LogStreamName}` : "",
    ];
    return clip(parts.filter((p) => p).join("; "));
  }
  return clip(raw ? `${caught.Error}: ${raw}` : caught.Error);
}

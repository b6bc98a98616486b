/**
 * What the trigger and the status function need from AWS, as narrow interfaces: the pure logic is
 * tested with fakes, and `aws.ts` implements these with the S3 and Step Functions clients.
 */

/** An object's text and the ETag that a conditional write compares against. */
export interface StoredText {
  readonly text: string;
  readonly etag: string;
}

/** Compare-and-swap on one key: `ifMatch` an ETag, or `ifNoneMatch: "*"` for "must not exist yet". */
export interface WriteCondition {
  readonly ifMatch?: string;
  readonly ifNoneMatch?: "*";
}

/** A conditional write lost the race: someone else wrote the object first. */
export class WriteConflictError extends Error {
  constructor(readonly key: string) {
    super(`conditional write of ${key} lost to a concurrent write`);
    this.name = "WriteConflictError";
  }
}

/** The run bucket, addressed by key. */
export interface RunObjects {
  /** null when the key (or that version) does not exist. */
  get(key: string, versionId?: string): Promise<StoredText | null>;
  /** Throws `WriteConflictError` when `condition` does not hold. */
  put(key: string, text: string, condition?: WriteCondition): Promise<void>;
}

export type StartResult =
  | { readonly started: true; readonly executionArn: string }
  | { readonly started: false };

/** The pipeline's state machine. */
export interface Executions {
  /** `{ started: false }` when an execution with this name already exists (the same event, twice). */
  start(name: string, input: unknown): Promise<StartResult>;
  /** Whether the execution is still RUNNING (false for succeeded, failed, aborted, timed out). */
  isRunning(executionArn: string): Promise<boolean>;
}

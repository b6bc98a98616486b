/** The EventBridge "Object Created" event S3 sends for `runs/<runId>/manifest.json`. */
import { createHash } from "node:crypto";
import { z } from "zod";

export const ObjectCreatedEvent = z.object({
  "detail-type": z.literal("Object Created"),
  source: z.literal("aws.s3"),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      etag: z.string().optional(),
      "version-id": z.string().optional(),
    }),
  }),
});
export type ObjectCreatedEvent = z.infer<typeof ObjectCreatedEvent>;

/** Step Functions execution names: at most 80 characters of `[A-Za-z0-9_-]`. */
export const EXECUTION_NAME_MAX = 80;

/**
 * `<runId>-<16 hex>` from the run id and the manifest's version id (or ETag): the same upload
 * always maps to the same name, so a redelivered event meets `ExecutionAlreadyExists` instead of
 * starting a second run, while a new upload of the run gets a new name. Run ids are at most 63
 * characters, so the name stays within 80.
 */
export function executionNameFor(runId: string, manifestVersion: string): string {
  const digest = createHash("sha256").update(`${runId}\n${manifestVersion}`).digest("hex").slice(0, 16);
  const name = `${runId}-${digest}`;
  if (name.length > EXECUTION_NAME_MAX || !/^[A-Za-z0-9_-]+$/.test(name)) {
    throw new Error(`run id "${runId}" does not make a valid execution name (got "${name}")`);
  }
  return name;
}

/** The version id when the bucket is versioned, else the ETag: what identifies this one upload. */
export function manifestVersionOf(event: ObjectCreatedEvent): string {
  const { object } = event.detail;
  const version = object["version-id"] ?? object.etag;
  if (!version) throw new Error(`event for ${object.key} has neither a version id nor an ETag`);
  return version;
}

/**
 * The artifact bucket every run lives in (`runs/<runId>/…`, plus read-only `datasets/` and `models/`
 * for inputs), and the bucket its server access logs go to.
 */
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";

/** Key prefixes, as IAM resource patterns are built from them. */
export const PREFIX = { runs: "runs/", datasets: "datasets/", models: "models/" } as const;

export interface ArtifactStoreProps {
  /** Noncurrent checkpoint versions are kept this long (a resume needs the latest only). */
  readonly noncurrentCheckpointDays?: number;
  readonly abortMultipartDays?: number;
  /** Distributed Map results (`map-results/`) are kept this long. */
  readonly mapResultsDays?: number;
}

export class ArtifactStore extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: ArtifactStoreProps = {}) {
    super(scope, id);
    this.accessLogs = new s3.Bucket(this, "AccessLogs", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: "expire-access-logs", expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, "Artifacts", {
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      eventBridgeEnabled: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: "artifacts/",
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: "abort-incomplete-multipart-uploads",
          abortIncompleteMultipartUploadAfter: Duration.days(props.abortMultipartDays ?? 3),
        },
        {
          // Checkpoints are rewritten every N steps; only the current version matters for resume.
          id: "expire-noncurrent-checkpoints",
          prefix: PREFIX.runs,
          noncurrentVersionExpiration: Duration.days(props.noncurrentCheckpointDays ?? 7),
        },
        {
          // The Distributed Maps' per-item results: for debugging a failed map run, not kept.
          id: "expire-map-results",
          prefix: "map-results/",
          expiration: Duration.days(props.mapResultsDays ?? 30),
        },
        {
          id: "remove-expired-delete-markers",
          expiredObjectDeleteMarker: true,
        },
      ],
    });
  }

  /** `arn:…:<bucket>/<prefix>*` */
  arnFor(prefix: string): string {
    return this.bucket.arnForObjects(`${prefix}*`);
  }
}

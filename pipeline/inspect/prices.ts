/**
 * GPU instance prices for `r1flow inspect`'s cost ESTIMATE. Not a bill: AWS Cost Explorer is the
 * truth. Only the GPU instances are priced (not S3, Lambda, NAT or VPC endpoints; see docs/deploy.md).
 *
 * SOURCE: AWS's EC2 On-Demand price list (https://aws.amazon.com/ec2/pricing/on-demand/), region US
 * East (N. Virginia), Linux, shared tenancy, USD per instance-hour, as AWS listed them in 2024–2025.
 * DATE: transcribed 2025; NOT re-checked since (the machine this was written on cannot reach
 * aws.amazon.com). Other regions cost more or less; check before relying on a figure.
 * P4d/P4de/P5 family prices were cut by AWS in 2025 and are left out rather than guessed: such
 * instances show GPU-hours with no cost. Add or correct prices with `r1flow inspect --prices <file>`.
 *
 * SPOT: spot prices move by hour and Availability Zone; the estimate assumes SPOT_SHARE of the
 * on-demand price (an assumption, not a quote; `aws ec2 describe-spot-price-history` gives real ones).
 */
import { z } from "zod";

export const PRICE_SOURCE =
  "AWS EC2 On-Demand price list, us-east-1, Linux, as listed 2024–2025 (not re-checked); spot assumed at 40% of on-demand";
export const PRICES_DATE = "2025";
export const SPOT_SHARE = 0.4;

export const InstancePrice = z.strictObject({
  /** On-demand USD per instance-hour. */
  onDemandUsdPerHour: z.number().positive(),
  /** GPUs in one instance (a job holding fewer pays its share). */
  gpus: z.number().int().min(1),
});
export type InstancePrice = z.infer<typeof InstancePrice>;
export const PriceTable = z.record(z.string().regex(/^[a-z0-9-]+\.[a-z0-9]+$/), InstancePrice);
export type PriceTable = z.infer<typeof PriceTable>;

const p = (onDemandUsdPerHour: number, gpus = 1): InstancePrice => ({ onDemandUsdPerHour, gpus });

export const PRICES: PriceTable = {
  // g4dn: NVIDIA T4 16 GB
  "g4dn.xlarge": p(0.526),
  "g4dn.2xlarge": p(0.752),
  "g4dn.4xlarge": p(1.204),
  "g4dn.8xlarge": p(2.176),
  "g4dn.12xlarge": p(3.912, 4),
  "g4dn.16xlarge": p(4.352),
  // g5: NVIDIA A10G 24 GB
  "g5.xlarge": p(1.006),
  "g5.2xlarge": p(1.212),
  "g5.4xlarge": p(1.624),
  "g5.8xlarge": p(2.448),
  "g5.12xlarge": p(5.672, 4),
  "g5.16xlarge": p(4.096),
  "g5.24xlarge": p(8.144, 4),
  "g5.48xlarge": p(16.288, 8),
  // g6: NVIDIA L4 24 GB
  "g6.xlarge": p(0.8048),
  "g6.2xlarge": p(0.9776),
  "g6.4xlarge": p(1.3232),
  "g6.8xlarge": p(2.0144),
  "g6.12xlarge": p(4.6016, 4),
  "g6.16xlarge": p(3.3968),
  "g6.24xlarge": p(6.6752, 4),
  "g6.48xlarge": p(13.3504, 8),
  // g6e: NVIDIA L40S 48 GB (the deployment default is g6e.2xlarge)
  "g6e.xlarge": p(1.861),
  "g6e.2xlarge": p(2.24208),
  "g6e.4xlarge": p(3.00424),
  "g6e.8xlarge": p(4.52856),
  "g6e.12xlarge": p(10.49264, 4),
  "g6e.16xlarge": p(7.57719),
  "g6e.24xlarge": p(15.06559, 4),
  "g6e.48xlarge": p(30.13118, 8),
};

/** USD per GPU-hour on `instanceType` in that market, or undefined when the table has no price. */
export function gpuHourPrice(
  table: PriceTable,
  instanceType: string,
  market: "spot" | "on-demand",
): number | undefined {
  const price = table[instanceType];
  if (!price) return undefined;
  const perGpu = price.onDemandUsdPerHour / price.gpus;
  return market === "spot" ? perGpu * SPOT_SHARE : perGpu;
}

"""CloudWatch metrics from the worker, in the embedded metric format (EMF): one JSON line on stdout
per finished stage.

On AWS Batch the job's stdout goes to CloudWatch Logs through the awslogs log driver
(infra/constructs/worker-jobs.ts), and CloudWatch Logs extracts the metrics of every log event that
carries an `_aws` block: no PutMetricData call, no client, no credentials. The names are the
dashboard's contract, infra/metrics.ts. Format:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO

NAMESPACE = "r1flow"  # infra/metrics.ts METRICS_NAMESPACE
# Set by the Batch job definition to the namespace; the CLI emits EMF only where it is set.
NAMESPACE_ENV = "R1FLOW_METRICS_NAMESPACE"

# summary["metrics"] key → CloudWatch metric name (infra/metrics.ts METRIC), taken when present.
SUMMARY_METRICS = {"reward_mean": "RewardMean", "accuracy": "Accuracy", "kl": "KL"}
# CloudWatch has no hour unit: GPU-hours are a plain Count. Accuracy is a share in [0, 1], not Percent.
UNITS = {"StageDurationSeconds": "Seconds", "GpuHours": "Count"}

# The units CloudWatch accepts (MetricDatum.Unit).
VALID_UNITS = frozenset(
    "Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits Kilobits "
    "Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second Megabytes/Second "
    "Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second "
    "Terabits/Second Count/Second None".split()
)


def emf_record(
    namespace: str,
    dimensions: Mapping[str, str],
    metrics: Mapping[str, float],
    units: Mapping[str, str],
    timestamp_ms: int,
) -> dict[str, Any]:
    """One EMF log event: the `_aws` metadata plus the dimension and metric values at the root.

    Every metric gets the one dimension set `[names of dimensions]`; a metric without an entry in
    `units` gets "None". Raises ValueError for a non-finite value (not JSON; CloudWatch drops it),
    an unknown unit, or a name used both as a dimension and as a metric.

        >>> emf_record("r1flow", {"stage": "sft"}, {"KL": 0.5}, {}, 0)["_aws"]["CloudWatchMetrics"]
        [{'Namespace': 'r1flow', 'Dimensions': [['stage']], 'Metrics': [{'Name': 'KL', 'Unit': 'None'}]}]
    """
    clash = set(dimensions) & set(metrics)
    if clash:
        raise ValueError(f"names used as both dimension and metric: {sorted(clash)}")
    for name, value in metrics.items():
        if not math.isfinite(value):
            raise ValueError(f"metric {name} is {value}; EMF values must be finite numbers")
    for name, unit in units.items():
        if name in metrics and unit not in VALID_UNITS:
            raise ValueError(f"metric {name}: unknown unit {unit!r}; valid: {', '.join(sorted(VALID_UNITS))}")
    return {
        "_aws": {
            "Timestamp": int(timestamp_ms),
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [list(dimensions)],
                    "Metrics": [{"Name": name, "Unit": units.get(name, "None")} for name in metrics],
                }
            ],
        },
        **{name: str(value) for name, value in dimensions.items()},
        **{name: float(value) for name, value in metrics.items()},
    }


def gpus_in_use(compute: Mapping[str, Any]) -> int:
    """GPUs the job holds: gpusPerNode × nodes when the stage ran on CUDA, else 0.

    `compute` is the spec's compute block; `auto` counts as CUDA only when torch is loaded and sees
    a GPU (a stage that never imported torch used none).
    """
    device = compute.get("device", "auto")
    if device == "cpu":
        return 0
    if device == "auto":
        torch = sys.modules.get("torch")
        if torch is None or not torch.cuda.is_available():
            return 0
    return int(compute.get("gpusPerNode", 1)) * int(compute.get("nodes", 1))


def emit(
    summary: Mapping[str, Any],
    stage: str,
    run_id: str,
    stream: TextIO | None = None,
    *,
    namespace: str = NAMESPACE,
    gpus: int = 0,
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """Print the stage's EMF line (to stdout unless `stream` is given) and return its record.

    `summary` is the stage summary (metrics.json): StageDurationSeconds from durationS;
    RewardMean, Accuracy and KL from metrics.reward_mean / accuracy / kl where present and finite;
    GpuHours = durationS × gpus / 3600. Dimensions: stage, runId.
    """
    duration = float(summary["durationS"])
    metrics = {"StageDurationSeconds": duration}
    found = summary.get("metrics") or {}
    for key, name in SUMMARY_METRICS.items():
        value = found.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            metrics[name] = float(value)
    metrics["GpuHours"] = duration * gpus / 3600
    record = emf_record(
        namespace,
        {"stage": stage, "runId": run_id},
        metrics,
        UNITS,
        int(time.time() * 1000) if timestamp_ms is None else timestamp_ms,
    )
    out = stream or sys.stdout
    out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()
    return record

"""Test-only: records every S3 call the GPU worker makes, for the IAM simulation (test/iam).

On PYTHONPATH only in the IAM-recording tests, and active only when R1FLOW_AWS_CALL_LOG names a
file: each call is appended to it as one JSON line (service, operation, the request's bucket, key,
prefix and version, and the HTTP status), through the worker's own client hook
(r1worker.io.s3_store.CLIENT_HOOKS) and botocore's event system.
"""

import json
import os

_LOG = os.environ.get("R1FLOW_AWS_CALL_LOG")
_FIELDS = ("Bucket", "Key", "Prefix", "VersionId", "UploadId", "CopySource", "Delete")


def _record(client):
    def before(params, model, context, **_):
        context["r1flow_input"] = {k: params[k] for k in _FIELDS if k in params}

    def after(http_response, model, context, **_):
        line = {
            "service": "s3",
            "operation": model.name,
            "input": context.get("r1flow_input", {}),
            "status": http_response.status_code,
        }
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")

    client.meta.events.register("before-parameter-build.s3", before)
    client.meta.events.register("after-call.s3", after)


if _LOG:
    from r1worker.io import s3_store

    s3_store.CLIENT_HOOKS.append(_record)

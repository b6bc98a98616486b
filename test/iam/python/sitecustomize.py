"""Test-only: records every S3 call the GPU worker makes, for the IAM simulation (test/iam).

On PYTHONPATH only in the IAM-recording tests, and active only when R1FLOW_AWS_CALL_LOG names a
file: each call is appended to it as one JSON line (service, operation, the request's bucket, key,
prefix and version, and the HTTP status), through botocore's event system on every S3 client boto3
makes in the process — the store's (r1worker.io.s3_store) and any other (a model download that
builds its own client is a call its job's role makes all the same).
"""

import json
import os

_LOG = os.environ.get("R1FLOW_AWS_CALL_LOG")
_FIELDS = ("Bucket", "Key", "Prefix", "VersionId", "UploadId", "CopySource", "Delete")


def _record(client):
    def before(params, model, context, **_):
        found = {k: params[k] for k in _FIELDS if k in params}
        source = found.get("CopySource")
        if isinstance(source, dict):  # boto3's managed copy passes {"Bucket", "Key"}
            found["CopySource"] = f"{source['Bucket']}/{source['Key']}"
        context["r1flow_input"] = found

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


def _record_every_client():
    import boto3.session

    # boto3.client() goes through the default session's `client`.
    make_client = boto3.session.Session.client

    def client(self, service_name, *args, **kwargs):
        made = make_client(self, service_name, *args, **kwargs)
        if service_name == "s3":
            _record(made)
        return made

    boto3.session.Session.client = client


if _LOG:
    _record_every_client()

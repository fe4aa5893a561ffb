#!/usr/bin/python3
"""polytomic_example.py: calls the gateway from Python over stubs generated
from proto/ at build time (the `python_client` target writes them, and a copy
of this script, to build/client/python/).

  /usr/bin/python3 build/client/python/polytomic_example.py \\
      --address 127.0.0.1:15051 --token_file ~/.polytomic-gateway-token list
  ... get ID
  ... update ID "new name"     # Get, then a masked update carrying the etag
  ... update ID "new name" --etag STALE   # the same with this etag: ABORTED

Each command prints one JSON line. A failed call prints
{"op", "error": {"code", "message", "request_id", "error_info", "bad_request",
"retry_info"}}, the details decoded from the `grpc-status-details-bin`
trailer, and exits 1.

Needs Debian's python3-grpcio and python3-protobuf: run it with
/usr/bin/python3, whose path holds them.
"""

import argparse
import json
import os
import sys

# The generated stubs sit next to this script in the build directory.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from polytomic.v1 import bulk_sync_pb2, bulk_sync_pb2_grpc  # noqa: E402


def read_token(args):
    """The caller token: --token_file's first line, else the environment."""
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as f:
            return f.readline().strip()
    return os.environ.get("POLYTOMIC_GATEWAY_TOKEN", "")


def decode_error(error):
    """The gRPC status of a failed call with its google.rpc details."""
    out = {"code": error.code().name, "message": error.details()}
    # The gateway sends x-request-id in the initial metadata, or in the
    # trailers when the call fails before responding.
    for key, value in ((error.initial_metadata() or ()) +
                       (error.trailing_metadata() or ())):
        if key == "x-request-id":
            out["request_id"] = value
        if key != "grpc-status-details-bin":
            continue
        # A google.rpc.Status whose details are Any-packed messages.
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            bad_request = error_details_pb2.BadRequest()
            retry = error_details_pb2.RetryInfo()
            if detail.Unpack(info):
                out["error_info"] = {"reason": info.reason,
                                     "domain": info.domain,
                                     "metadata": dict(info.metadata)}
            elif detail.Unpack(bad_request):
                out["bad_request"] = [
                    {"field": v.field, "description": v.description}
                    for v in bad_request.field_violations]
            elif detail.Unpack(retry):
                out["retry_info"] = {
                    "retry_delay_seconds": retry.retry_delay.ToTimedelta()
                                                            .total_seconds()}
    return out


def sync_summary(sync):
    return {"id": sync.id, "name": sync.name, "etag": sync.etag}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--address", default="127.0.0.1:15051")
    parser.add_argument("--token_file",
                        help="caller token (default: $POLYTOMIC_GATEWAY_TOKEN)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="each call's deadline, in seconds")
    commands = parser.add_subparsers(dest="op", required=True)
    commands.add_parser("list", help="list the bulk syncs")
    get = commands.add_parser("get", help="get one bulk sync")
    get.add_argument("id")
    update = commands.add_parser("update", help="rename a bulk sync")
    update.add_argument("id")
    update.add_argument("name")
    update.add_argument("--etag", help="send this etag instead of the Get's")
    args = parser.parse_args()

    # A plaintext channel (the quickstart's loopback listener): the token goes
    # as call metadata, since gRPC sends call credentials only over TLS. Use
    # grpc.secure_channel with grpc.ssl_channel_credentials(...) for TLS.
    metadata = [("authorization", "Bearer " + read_token(args))]
    with grpc.insecure_channel(args.address) as channel:
        stub = bulk_sync_pb2_grpc.BulkSyncServiceStub(channel)
        call = {"metadata": metadata, "timeout": args.timeout}
        try:
            if args.op == "list":
                response = stub.ListBulkSyncs(
                    bulk_sync_pb2.ListBulkSyncsRequest(), **call)
                result = {"syncs": [sync_summary(s) for s in response.data]}
            elif args.op == "get":
                response = stub.GetBulkSync(
                    bulk_sync_pb2.GetBulkSyncRequest(id=args.id), **call)
                result = sync_summary(response.data)
            else:
                # Read the sync for its etag, then change only `name`: the
                # gateway merges the mask onto a fresh upstream read, and
                # fails with ABORTED (ETAG_MISMATCH) if the sync changed
                # since this Get.
                current = stub.GetBulkSync(
                    bulk_sync_pb2.GetBulkSyncRequest(id=args.id), **call).data
                request = bulk_sync_pb2.UpdateBulkSyncRequest(
                    id=args.id,
                    bulk_sync=bulk_sync_pb2.BulkSync(name=args.name,
                                                     etag=args.etag or
                                                     current.etag))
                request.update_mask.paths.append("name")
                response = stub.UpdateBulkSync(request, **call)
                result = sync_summary(response.data)
                result["previous_name"] = current.name
                result["previous_etag"] = current.etag
        except grpc.RpcError as error:
            print(json.dumps({"op": args.op, "error": decode_error(error)}))
            return 1
    result["op"] = args.op
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

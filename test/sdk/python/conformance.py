#!/usr/bin/env python3
"""Python conformance suite: official Alibaba Cloud Python SDK clients against the KMS emulator.

Run through run-suite.sh (which prepares .venv). Reads the env contract of test/sdk/README.md and
writes a JSON array of {client, row, status, detail} to $CONFORMANCE_OUT (stdout when unset).

  python conformance.py                 every client
  python conformance.py --client core   only clients whose name contains "core" (repeatable)
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# The V1 core SDK sends through any HTTP(S)_PROXY it finds, even to 127.0.0.1: never proxy here.
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_var, None)

import adapters  # noqa: E402
import harness  # noqa: E402
import instance_openapi  # noqa: E402
import rows  # noqa: E402
import secrets_manager  # noqa: E402
import typed_denied  # noqa: E402
import typed_rows  # noqa: E402


def openapi_clients():
    return [adapters.CoreKms, adapters.TeaKms, adapters.TeaKmsV2]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--client", action="append", default=[], help="substring of the client names to run")
    args = parser.parse_args()

    def wanted(name):
        return not args.client or any(part in name for part in args.client)

    print(
        "python suite: endpoint %s, https %s, control %s"
        % (harness.KMS_ENDPOINT, harness.KMS_HTTPS_ENDPOINT or "-", harness.KMS_EMULATOR_URL),
        flush=True,
    )
    results = harness.Results()
    names = [cls.name for cls in openapi_clients()] + [secrets_manager.NAME]
    try:
        status, _ = harness.control("GET", "health", timeout=5)
        down = None if status == 200 else "GET /_emulator/health answered %s" % status
    except Exception as exc:
        down = "emulator unreachable at %s: %s" % (harness.KMS_EMULATOR_URL, exc)
    if down:  # fail fast instead of waiting out every client's retries
        for name in filter(wanted, names):
            for row in harness.ROWS + typed_rows.TYPED_ROWS + [instance_openapi.ROW, typed_denied.ROW]:
                results.add(name, row, "fail", down)
        results.write(harness.CONFORMANCE_OUT)
        return 0
    for cls in openapi_clients():
        if not wanted(cls.name):
            continue
        print("%s:" % cls.name, flush=True)
        try:
            api = cls()
        except Exception as exc:
            for row in harness.ROWS + typed_rows.TYPED_ROWS + [instance_openapi.ROW, typed_denied.ROW]:
                results.add(cls.name, row, "fail", "client could not be constructed: %s: %s" % (type(exc).__name__, exc))
            continue
        for row in harness.ROWS:
            results.run(cls.name, row, lambda fn=rows.OPENAPI_ROWS[row]: fn(api))
        # Typed rows: the Tea clients' own methods and model fields (typed_rows.py).
        for row in typed_rows.TYPED_ROWS:
            if isinstance(api, adapters.TeaKms):
                results.run(cls.name, row, lambda fn=typed_rows.TYPED[row]: fn(api.client))
            else:
                results.add(cls.name, row, "skipped", "not a typed client (request classes, JSON bodies)")
        # The OpenAPI on the instance endpoint, config.ca = the instance CA (instance_openapi.py).
        if isinstance(api, adapters.TeaKms):
            results.run(cls.name, instance_openapi.ROW, lambda: instance_openapi.run(api))
        else:
            results.add(cls.name, instance_openapi.ROW, "skipped", "not a typed client (request classes, JSON bodies)")
        # A RAM user's typed call denied with its AccessDeniedDetail, allowed, denied again (typed_denied.py).
        if isinstance(api, adapters.TeaKms):
            results.run(cls.name, typed_denied.ROW, lambda: typed_denied.run(api))
        else:
            results.add(cls.name, typed_denied.ROW, "skipped", "not a typed client (request classes, JSON bodies)")
    if wanted(secrets_manager.NAME):
        print("%s:" % secrets_manager.NAME, flush=True)
        secrets_manager.run(results, adapters.TeaKms())
        for row in typed_rows.TYPED_ROWS:
            results.add(secrets_manager.NAME, row, "skipped", "a secrets cache, not a KMS API client")
        results.add(
            secrets_manager.NAME,
            instance_openapi.ROW,
            "skipped",
            "a secrets cache on the V1 core with verify=False: never pointed at the instance endpoint",
        )
        results.add(secrets_manager.NAME, typed_denied.ROW, "skipped", "a secrets cache, not a KMS API client")
    results.write(harness.CONFORMANCE_OUT)
    counts = {}
    for item in results.items:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    print("python suite: " + ", ".join("%d %s" % (n, s) for s, n in sorted(counts.items())), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# KMS Instance API conformance suite (contract: test/sdk/README.md): the clients that speak the
# instance gateway ($KMS_GATEWAY_ENDPOINT) — the KMS Instance SDKs of Python, Java and Go, the
# Python "KMS SDK", the Secrets Manager clients in ClientKey mode — report the rows instance-crypto,
# instance-secret, instance-refusals. suite.ts runs the same per-language programs as the vitest
# files test/gateway-*.test.ts; a client whose toolchain is missing reports its rows skipped.
set -euo pipefail
cd "$(dirname "$0")"
[ -n "${KMS_GATEWAY_ENDPOINT:-}" ] || { echo "gateway suite: KMS_GATEWAY_ENDPOINT is not set" >&2; exit 3; }
exec ../../../node_modules/.bin/tsx suite.ts

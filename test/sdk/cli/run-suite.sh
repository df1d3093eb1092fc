#!/usr/bin/env bash
# aliyun CLI conformance suite: runs the matrix through the official `aliyun` command-line tool.
# The CLI is not installable from a package registry this project's machines reach (its Go module is
# not served by the module proxy), so the suite uses `$ALIYUN_CLI` or an `aliyun` on PATH and reports
# the toolchain missing (every row `skipped`) when there is none.
set -euo pipefail
cd "$(dirname "$0")"
cli="${ALIYUN_CLI:-$(command -v aliyun || true)}"
if [ -z "$cli" ] || [ ! -x "$cli" ]; then
  echo "aliyun CLI not found (set ALIYUN_CLI or put aliyun on PATH)"
  exit 3
fi
command -v node >/dev/null 2>&1 || { echo "node not found"; exit 3; }
ALIYUN_CLI="$cli" exec node suite.mjs

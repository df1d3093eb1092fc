#!/usr/bin/env bash
# Go conformance suite: module versions pinned in go.mod/go.sum; builds once, then runs the matrix.
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null 2>&1 || exit 3
go build -o .bin/conformance . >/dev/null
exec ./.bin/conformance

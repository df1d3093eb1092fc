#!/usr/bin/env bash
# Node conformance suite: installs its pinned clients (once), then runs the matrix.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null 2>&1; then
  echo '[]' > "${CONFORMANCE_OUT:?}"
  exit 0
fi
if [ ! -f .installed ] || [ package.json -nt .installed ]; then
  npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null
  touch .installed
fi
exec node suite.mjs

#!/usr/bin/env bash
# Python conformance suite entry point (contract: test/sdk/README.md).
# Creates ./.venv and installs the pinned requirements when they changed (idempotent, cached), then
# runs conformance.py, which writes its results to $CONFORMANCE_OUT.
# Exit 0: results written. Exit 3: no usable Python toolchain (the runner marks every row skipped).
set -euo pipefail
cd "$(dirname "$0")"

toolchain_missing() {
  echo "python suite: $*" >&2
  exit 3
}

pick_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 8) else 1)' >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

VENV=.venv
STAMP="$VENV/.requirements.sha256"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  PY=$(pick_python) || toolchain_missing "no python3 (>= 3.8, with the venv module) found"
  rm -rf "$VENV"
  echo "python suite: creating $VENV with $("$PY" --version 2>&1)"
  "$PY" -m venv "$VENV" || toolchain_missing "'$PY -m venv' failed (is the python3-venv package installed?)"
fi

WANT="$( (cat requirements.txt; "$VENV/bin/python" --version 2>&1) | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
  echo "python suite: installing requirements.txt into $VENV"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r requirements.txt
  echo "$WANT" >"$STAMP"
else
  echo "python suite: $VENV is up to date"
fi

# --setup-only: the venv alone (test/gateway-secrets-manager-python.test.ts uses it).
[ "${1:-}" = "--setup-only" ] && exit 0
exec "$VENV/bin/python" conformance.py "$@"

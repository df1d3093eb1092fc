#!/usr/bin/env bash
# Creates ./.venv with the "KMS SDK" for Python (alibabacloud-kms-python-sdk), when requirements.txt
# changed (idempotent). It pins older dependencies than the KMS Instance SDK suite, hence a venv of
# its own. Exit 3: no usable Python toolchain.
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
STAMP="$VENV/.requirements.sha256"
PY="${PYTHON:-python3}"
if ! command -v "$PY" >/dev/null 2>&1; then
  echo "kms-python-sdk: no $PY" >&2
  exit 3
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV" || { echo "kms-python-sdk: '$PY -m venv' failed" >&2; exit 3; }
fi
WANT="$( (cat requirements.txt; "$VENV/bin/python" --version 2>&1) | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
  "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r requirements.txt
  echo "$WANT" > "$STAMP"
fi

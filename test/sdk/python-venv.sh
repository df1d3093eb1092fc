#!/usr/bin/env bash
# Usage: python-venv.sh DIR LABEL — creates DIR/.venv from DIR/requirements.txt when the requirements
# (or the Python version) changed since the last install (idempotent). Exit 3: no usable Python toolchain.
set -euo pipefail
cd "$1"
LABEL="$2"
VENV=.venv
STAMP="$VENV/.requirements.sha256"
PY="${PYTHON:-python3}"
if ! command -v "$PY" >/dev/null 2>&1; then
  echo "$LABEL: no $PY" >&2
  exit 3
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV" || { echo "$LABEL: '$PY -m venv' failed" >&2; exit 3; }
fi
WANT="$( (cat requirements.txt; "$VENV/bin/python" --version 2>&1) | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
  "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r requirements.txt
  echo "$WANT" > "$STAMP"
fi

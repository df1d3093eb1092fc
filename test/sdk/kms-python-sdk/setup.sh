#!/usr/bin/env bash
# Creates ./.venv with the "KMS SDK" for Python (alibabacloud-kms-python-sdk), when requirements.txt
# changed (idempotent). It pins older dependencies than the KMS Instance SDK suite, hence a venv of
# its own. Exit 3: no usable Python toolchain.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/../python-venv.sh" "$here" kms-python-sdk

#!/usr/bin/env bash
# Creates ./.venv with the KMS Instance SDK for Python (alibabacloud-dkms-gcs) and the typed OpenAPI
# client, when requirements.txt changed (idempotent). Exit 3: no usable Python toolchain.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/../python-venv.sh" "$here" dkms-python

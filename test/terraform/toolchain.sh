#!/usr/bin/env bash
# Builds the Terraform toolchain the suite needs (issue #27), once per machine, cached by version:
#   Terraform v1.5.7 (the last MPL release) and the alicloud provider v1.240.0, both from the Go
#   module proxy, the provider laid out as a filesystem mirror and named in a CLI config file.
#
#   bash test/terraform/toolchain.sh          build if missing, print the cache directory
#   bash test/terraform/toolchain.sh --check  exit 0 when built, 1 when not (builds nothing)
#
# Cache: ${KMS_EMULATOR_TF_CACHE:-${XDG_CACHE_HOME:-~/.cache}/kms-emulator/terraform}/
#   terraform-1.5.7/terraform
#   mirror/registry.terraform.io/aliyun/alicloud/1.240.0/linux_amd64/terraform-provider-alicloud_v1.240.0
#   terraformrc   (provider_installation: the mirror for aliyun/alicloud, no registry)
# Exit 3 when Go is missing (the suite is then skipped with that reason). Nothing here is committed:
# the binaries and the provider's source stay in the cache and the Go module cache.
set -euo pipefail

TF_VERSION=1.5.7
PROVIDER_VERSION=1.240.0
CACHE="${KMS_EMULATOR_TF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kms-emulator/terraform}"
TF_DIR="$CACHE/terraform-$TF_VERSION"
TF_BIN="$TF_DIR/terraform"
case "$(uname -m)" in
  x86_64 | amd64) ARCH=amd64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) ARCH="$(uname -m)" ;;
esac
PLATFORM="$(uname -s | tr '[:upper:]' '[:lower:]')_$ARCH"
MIRROR="$CACHE/mirror"
PROVIDER_DIR="$MIRROR/registry.terraform.io/aliyun/alicloud/$PROVIDER_VERSION/$PLATFORM"
PROVIDER_BIN="$PROVIDER_DIR/terraform-provider-alicloud_v$PROVIDER_VERSION"
RC="$CACHE/terraformrc"

write_rc() {
  cat >"$RC.tmp" <<RCEOF
# Written by test/terraform/toolchain.sh: aliyun/alicloud from the local filesystem mirror only.
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/aliyun/alicloud"]
  }
  direct {
    exclude = ["registry.terraform.io/aliyun/alicloud"]
  }
}
RCEOF
  mv "$RC.tmp" "$RC"
}

if [ "${1:-}" = "--check" ]; then
  [ -x "$TF_BIN" ] && [ -x "$PROVIDER_BIN" ] && [ -f "$RC" ] && exit 0
  exit 1
fi

if [ -x "$TF_BIN" ] && [ -x "$PROVIDER_BIN" ]; then
  write_rc
  echo "$CACHE"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "toolchain: Go is not installed (needed to build Terraform $TF_VERSION and the alicloud provider $PROVIDER_VERSION)" >&2
  exit 3
fi
mkdir -p "$CACHE"
# One build at a time per cache (two suites started together wait for the first one's build).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.build.lock"
  flock 9
fi

if [ ! -x "$TF_BIN" ]; then
  echo "toolchain: building Terraform $TF_VERSION (first run on this machine, ~2.5 min on 2 cores)" >&2
  mkdir -p "$TF_DIR.partial"
  GOBIN="$TF_DIR.partial" GOFLAGS="${GOFLAGS:-} -trimpath" go install "github.com/hashicorp/terraform@v$TF_VERSION"
  rm -rf "$TF_DIR"
  mv "$TF_DIR.partial" "$TF_DIR"
fi

if [ ! -x "$PROVIDER_BIN" ]; then
  echo "toolchain: building terraform-provider-alicloud $PROVIDER_VERSION (first run on this machine, ~5.5 min on 2 cores)" >&2
  # `go install …@v1.240.0` is refused (the proxy gives no version list for this module): download the
  # module, build it from a writable copy without its vendor/ directory.
  SRC_DIR="$(go mod download -json "github.com/aliyun/terraform-provider-alicloud@v$PROVIDER_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  if [ -z "$SRC_DIR" ] || [ ! -f "$SRC_DIR/go.mod" ]; then
    echo "toolchain: go mod download gave no source directory for the provider" >&2
    exit 1
  fi
  WORK="$CACHE/provider-src-$PROVIDER_VERSION"
  rm -rf "$WORK"
  cp -R "$SRC_DIR" "$WORK"
  chmod -R u+w "$WORK"
  rm -rf "$WORK/vendor"
  (cd "$WORK" && go mod download && go build -mod=mod -trimpath -o "$WORK/provider.bin" .)
  mkdir -p "$PROVIDER_DIR"
  mv "$WORK/provider.bin" "$PROVIDER_BIN"
  rm -rf "$WORK"
fi

write_rc
echo "$CACHE"

#!/usr/bin/env bash
# The official credentials libraries against the emulator (#25 §10), each with its typed KMS client:
#   ram_role_arn — the root pair + a RoleArn, the library's STS endpoint set to the emulator's TLS
#                  listener (the libraries hard-code https; the local CA is trusted as the README says);
#   uri          — ALIBABA_CLOUD_CREDENTIALS_URI=<emulator>/_emulator/credentials/<role>, the default chain;
# then Encrypt (allowed by the role's AliyunKMSCryptoUserAccess) and CreateKey (Forbidden.NoPermission).
# Negative controls prove the checks can fail: ram_role_arn without the CA is refused the certificate;
# the URI of a role whose trust policy names another account gives no credentials.
#
#   bash test/sdk/credentials-libs.sh        (after `npm run build`; .ci/run calls it)
#
# Python: test/sdk/python (its venv, alibabacloud-credentials pinned); Go: test/sdk/go/credslibs
# (github.com/aliyun/credentials-go pinned in go.mod); Java: test/sdk/credentials-java (credentials-java
# pinned in its pom). A missing toolchain skips its ecosystem with a note, except under CI=true.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
kms-emulator() { node "$ROOT/dist/kms-emulator.cjs" "$@"; }
for _var in HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy; do unset "$_var"; done
unset SSL_CERT_FILE REQUESTS_CA_BUNDLE ALIBABA_CLOUD_CA_BUNDLE ALIBABA_CLOUD_CREDENTIALS_URI ALIBABA_CLOUD_ROLE_ARN
unset ALIBABA_CLOUD_STS_REGION ALIBABA_CLOUD_ECS_METADATA ALIBABA_CLOUD_PROFILE ALIBABA_CLOUD_CREDENTIALS_FILE
# The credentials of the default chain come from the URI alone: no AccessKey in the environment, no
# ECS metadata server (100.100.100.200), no profile file.
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
export ROOT_ACCESS_KEY_ID=LTAIEmulatorAccessKeyId ROOT_ACCESS_KEY_SECRET=EmulatorAccessKeySecret

WORK="$(mktemp -d)"
# The `uri` runs get an empty HOME: no ~/.aliyun/config.json or ~/.alibabacloud profile comes before the URI.
mkdir -p "$WORK/home"
STATE="$WORK/state.json"
FAILED=0
ok() { echo "ok    $*"; }
bad() { echo "FAIL  $*"; FAILED=1; }
skip() {
  if [ "${CI:-}" = "true" ]; then bad "$* (missing under CI=true)"; else echo "skip  $*"; fi
}
# expect_ok NAME CMD...: every check of the program holds (it prints them).
expect_ok() {
  local name="$1" out
  shift
  if out="$("$@" 2>&1)"; then ok "$name"; grep -v '^SLF4J' <<<"$out" | sed 's/^/        /'; else bad "$name — $(tail -n5 <<<"$out")"; fi
}
# expect_fail NAME REGEX CMD...: fails, and with the error REGEX names.
expect_fail() {
  local name="$1" pattern="$2" out
  shift 2
  if out="$("$@" 2>&1)"; then
    bad "$name — succeeded: $(tail -n3 <<<"$out")"
  elif grep -Eq "$pattern" <<<"$out"; then
    ok "$name — refused: $(grep -Eo "$pattern" <<<"$out" | head -n1)"
  else
    bad "$name — failed, but not with /$pattern/: $(tail -n3 <<<"$out")"
  fi
}

# shellcheck source=test/sdk/start-emulator.sh
source "$ROOT/test/sdk/start-emulator.sh"
start_emulator credentials-libs --host 127.0.0.1
export KMS_ENDPOINT="127.0.0.1:${URL##*:}" KMS_HTTPS_ENDPOINT="127.0.0.1:${HTTPS_URL##*:}"
CA="$(kms-emulator ca --state "$STATE")"
SETUP="$(node test/sdk/credentials/setup.mjs "http://$KMS_ENDPOINT")"
field() { node -e 'process.stdout.write(JSON.parse(process.argv[1])[process.argv[2]])' "$SETUP" "$1"; }
export CREDS_ROLE_ARN="$(field roleArn)" CREDS_KEY_ID="$(field keyId)"
URI="http://$KMS_ENDPOINT/_emulator/credentials/$(field role)"
UNTRUSTED_URI="http://$KMS_ENDPOINT/_emulator/credentials/$(field untrustedRole)"
echo "credentials-libs: emulator at $URL, TLS at $KMS_HTTPS_ENDPOINT, role $CREDS_ROLE_ARN, key $CREDS_KEY_ID"

# --- Python: alibabacloud-credentials (test/sdk/python/requirements.txt) ---
if bash test/sdk/python-venv.sh test/sdk/python credentials-libs; then
  PY=("$ROOT/test/sdk/python/.venv/bin/python" "$ROOT/test/sdk/python/credentials_libs.py")
  expect_ok "python ram_role_arn: sts_endpoint=\$KMS_HTTPS_ENDPOINT, SSL_CERT_FILE=\$CA" \
    env SSL_CERT_FILE="$CA" "${PY[@]}" ram_role_arn
  expect_fail "python ram_role_arn without the CA" 'CERTIFICATE_VERIFY_FAILED|certificate verify failed' "${PY[@]}" ram_role_arn
  expect_ok "python uri: ALIBABA_CLOUD_CREDENTIALS_URI" env HOME="$WORK/home" ALIBABA_CLOUD_CREDENTIALS_URI="$URI" "${PY[@]}" uri
  expect_fail "python uri of a role that does not trust the account" 'NoPermission' \
    env HOME="$WORK/home" ALIBABA_CLOUD_CREDENTIALS_URI="$UNTRUSTED_URI" "${PY[@]}" uri
else
  skip "python: no Python venv (test/sdk/python-venv.sh)"
fi

# --- Go: github.com/aliyun/credentials-go (test/sdk/go/go.mod) ---
if command -v go >/dev/null 2>&1; then
  if (cd test/sdk/go && go build -o .bin/credslibs ./credslibs); then
    GO=("$ROOT/test/sdk/go/.bin/credslibs")
    expect_ok "go ram_role_arn: STSEndpoint=\$KMS_HTTPS_ENDPOINT, SSL_CERT_FILE=\$CA" \
      env SSL_CERT_FILE="$CA" "${GO[@]}" ram_role_arn
    expect_fail "go ram_role_arn without the CA" 'certificate signed by unknown authority' "${GO[@]}" ram_role_arn
    expect_ok "go uri: ALIBABA_CLOUD_CREDENTIALS_URI" env HOME="$WORK/home" ALIBABA_CLOUD_CREDENTIALS_URI="$URI" "${GO[@]}" uri
    expect_fail "go uri of a role that does not trust the account" 'NoPermission' \
      env HOME="$WORK/home" ALIBABA_CLOUD_CREDENTIALS_URI="$UNTRUSTED_URI" "${GO[@]}" uri
  else
    bad "go: go build ./credslibs failed"
  fi
else
  skip "go: no go"
fi

# --- Java: com.aliyun:credentials-java (test/sdk/credentials-java/pom.xml) ---
if command -v java >/dev/null 2>&1 && command -v keytool >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then
  if (cd test/sdk/credentials-java && mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt) >"$WORK/mvn.log" 2>&1; then
    CP="test/sdk/credentials-java/target/classes:$(cat test/sdk/credentials-java/target/classpath.txt)"
    keytool -importcert -noprompt -alias kms-emulator -file "$CA" -keystore "$WORK/emulator.p12" -storetype PKCS12 -storepass changeit >/dev/null 2>&1
    TRUST=(-Djavax.net.ssl.trustStore="$WORK/emulator.p12" -Djavax.net.ssl.trustStorePassword=changeit)
    expect_ok "java ram_role_arn: setSTSEndpoint(\$KMS_HTTPS_ENDPOINT), -Djavax.net.ssl.trustStore=emulator.p12" \
      java "${TRUST[@]}" -cp "$CP" credslibs.Main ram_role_arn
    # credentials-java reports a failed connection as "HttpCode: 0, result: ." only; the JSSE debug log
    # names the certificate error.
    expect_fail "java ram_role_arn without the trust store" 'CERTIFICATE_UNKNOWN|PKIX path building failed' \
      java -Djavax.net.debug=ssl:handshake -cp "$CP" credslibs.Main ram_role_arn
    expect_ok "java uri: ALIBABA_CLOUD_CREDENTIALS_URI" \
      env HOME="$WORK/home" ALIBABA_CLOUD_CREDENTIALS_URI="$URI" java -Duser.home="$WORK/home" -cp "$CP" credslibs.Main uri
    expect_fail "java uri of a role that does not trust the account" 'NoPermission' \
      env HOME="$WORK/home" ALIBABA_CLOUD_CREDENTIALS_URI="$UNTRUSTED_URI" java -Duser.home="$WORK/home" -cp "$CP" credslibs.Main uri
  else
    cat "$WORK/mvn.log" >&2
    bad "java: mvn compile failed"
  fi
else
  skip "java: no java, keytool or mvn"
fi

if [ "$FAILED" -ne 0 ]; then
  echo "credentials-libs: a credentials library check failed" >&2
  exit 1
fi
echo "credentials-libs: every credentials library check passed"

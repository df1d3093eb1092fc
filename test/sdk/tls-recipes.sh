#!/usr/bin/env bash
# Runs every recipe of README.md "TLS that clients can trust" as it is written there, with the real
# client and certificate verification on — and, for each, the same call without the CA, which must
# fail (proof that the client verified). .ci/run calls it after the conformance suites.
#
#   bash test/sdk/tls-recipes.sh        (after `npm run build`)
#
# The recipes find the CA with `kms-emulator ca --state S`, S being the emulator's --state (or
# `kms-emulator ca --url U`). A toolchain that is missing (Go; Java and Maven) skips its recipes
# with a note, except under CI=true, where it fails.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
kms-emulator() { node "$ROOT/dist/kms-emulator.cjs" "$@"; }
for _var in HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy; do unset "$_var"; done
unset SSL_CERT_FILE REQUESTS_CA_BUNDLE ALIBABA_CLOUD_CA_BUNDLE

WORK="$(mktemp -d)"
STATE="$WORK/somewhere/state.json"
FAILED=0
ok() { echo "ok    $*"; }
bad() { echo "FAIL  $*"; FAILED=1; }
skip() {
  if [ "${CI:-}" = "true" ]; then bad "$* (missing under CI=true)"; else echo "skip  $*"; fi
}
# expect_ok NAME CMD...: the recipe works.
expect_ok() {
  local name="$1" out
  shift
  if out="$("$@" 2>&1)"; then ok "$name — $(tail -n1 <<<"$out")"; else bad "$name — $(tail -n3 <<<"$out")"; fi
}
# expect_fail NAME REGEX CMD...: fails, and with the error REGEX names (a certificate error, not another).
expect_fail() {
  local name="$1" pattern="$2" out
  shift 2
  if out="$("$@" 2>&1)"; then
    bad "$name — succeeded, so the client did not verify: $out"
  elif grep -Eq "$pattern" <<<"$out"; then
    ok "$name — refused: $(grep -Eo "$pattern" <<<"$out" | head -n1)"
  else
    bad "$name — failed, but not with /$pattern/: $(tail -n3 <<<"$out")"
  fi
}

# shellcheck source=test/sdk/start-emulator.sh
source "$ROOT/test/sdk/start-emulator.sh"
start_emulator tls-recipes
ENDPOINT="127.0.0.1:${HTTPS_URL##*:}"
echo "tls-recipes: emulator at $URL, TLS at $ENDPOINT, --state $STATE"

# Finding the CA: the same --state as `start`, or the running emulator's URL; a bare `kms-emulator ca`
# (another state) is another CA.
CA="$(kms-emulator ca --state "$STATE")"
if [ "$(cat "$CA")" = "$(curl -sf "$URL/_emulator/tls-certificate")" ]; then ok "kms-emulator ca --state S: the running emulator's CA"; else bad "kms-emulator ca --state S is not the served CA"; fi
if cmp -s "$CA" "$(TMPDIR="$WORK" kms-emulator ca --url "$URL")"; then ok "kms-emulator ca --url U: the same CA"; else bad "kms-emulator ca --url U differs"; fi

# --- Python (the conformance venv: test/sdk/python/requirements.txt) ---
if bash test/sdk/python-venv.sh test/sdk/python tls-recipes; then
  PY="$ROOT/test/sdk/python/.venv/bin/python"
  RECIPES="$ROOT/test/sdk/python/tls_recipes.py"
  # Tea clients (alibabacloud-kms20160120 and everything on alibabacloud-tea-openapi).
  expect_ok "python Tea: Config(ca=<CA path>)" "$PY" "$RECIPES" tea "$ENDPOINT" "$(kms-emulator ca --state "$STATE")"
  expect_ok "python Tea: SSL_CERT_FILE=\$(kms-emulator ca --state S)" \
    env SSL_CERT_FILE="$(kms-emulator ca --state "$STATE")" "$PY" "$RECIPES" tea "$ENDPOINT"
  expect_fail "python Tea: no CA" 'CERTIFICATE_VERIFY_FAILED|certificate verify failed' "$PY" "$RECIPES" tea "$ENDPOINT"
  expect_fail "python Tea: REQUESTS_CA_BUNDLE has no effect (session.send ignores it)" 'CERTIFICATE_VERIFY_FAILED|certificate verify failed' \
    env REQUESTS_CA_BUNDLE="$(kms-emulator ca --state "$STATE")" "$PY" "$RECIPES" tea "$ENDPOINT"
  # Secrets Manager client V2: a Config with ca = the path (its PEM text fails: "invalid path").
  expect_ok "python secrets-manager v2: add_config(Config(ca=<CA path>))" \
    "$PY" "$RECIPES" secrets-manager-v2 "$ENDPOINT" "$(kms-emulator ca --state "$STATE")"
  expect_fail "python secrets-manager v2: Config(ca=<PEM text>)" 'invalid path: -----BEGIN CERTIFICATE' \
    env RECIPE_CA_AS_PEM=1 "$PY" "$RECIPES" secrets-manager-v2 "$ENDPOINT" "$(kms-emulator ca --state "$STATE")"
  # aliyun-python-sdk-core (its KMS request classes force https).
  expect_ok "python core: ALIBABA_CLOUD_CA_BUNDLE=\$(kms-emulator ca --state S)" \
    env ALIBABA_CLOUD_CA_BUNDLE="$(kms-emulator ca --state "$STATE")" "$PY" "$RECIPES" core "$ENDPOINT"
  expect_ok "python core: AcsClient(..., verify=<CA path>)" "$PY" "$RECIPES" core "$ENDPOINT" "$CA"
  expect_fail "python core: no CA" 'CERTIFICATE_VERIFY_FAILED|certificate verify failed' "$PY" "$RECIPES" core "$ENDPOINT"
else
  skip "python recipes: no Python venv (test/sdk/python-venv.sh)"
fi

# --- Go (typed Tea client; Vault and go-kms-wrapping trust the same way) ---
if command -v go >/dev/null 2>&1; then
  (cd test/sdk/go && go build -o .bin/tlsrecipe ./tlsrecipe) || bad "go recipe: go build failed"
  expect_ok "go: SSL_CERT_FILE=\$(kms-emulator ca --state S)" \
    env SSL_CERT_FILE="$(kms-emulator ca --state "$STATE")" test/sdk/go/.bin/tlsrecipe "$ENDPOINT"
  expect_fail "go: no CA" 'certificate signed by unknown authority' test/sdk/go/.bin/tlsrecipe "$ENDPOINT"
else
  skip "go recipe: no go"
fi

# --- Java (typed Tea client) ---
if command -v java >/dev/null 2>&1 && command -v keytool >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then
  if ! (cd test/sdk/java && mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt) >"$WORK/mvn.log" 2>&1; then
    cat "$WORK/mvn.log" >&2
    bad "java recipe: mvn compile failed"
  fi
  CP="test/sdk/java/target/classes:$(cat test/sdk/java/target/classpath.txt 2>/dev/null || true)"
  (cd "$WORK" && keytool -importcert -noprompt -alias kms-emulator -file "$(kms-emulator ca --state "$STATE")" -keystore emulator.p12 -storetype PKCS12 -storepass changeit >/dev/null 2>&1)
  expect_ok "java: keytool -importcert … -file \$(kms-emulator ca --state S); -Djavax.net.ssl.trustStore=emulator.p12" \
    java -Djavax.net.ssl.trustStore="$WORK/emulator.p12" -Djavax.net.ssl.trustStorePassword=changeit -cp "$CP" conformance.TlsRecipe "$ENDPOINT"
  expect_fail "java: no trust store" 'PKIX path building failed' java -cp "$CP" conformance.TlsRecipe "$ENDPOINT"
else
  skip "java recipe: no java, keytool or mvn"
fi

if [ "$FAILED" -ne 0 ]; then
  echo "tls-recipes: a README TLS recipe failed" >&2
  exit 1
fi
echo "tls-recipes: every README TLS recipe works as written"

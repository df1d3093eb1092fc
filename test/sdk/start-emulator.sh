# Sourced by the CI check scripts (tls-recipes.sh, credentials-libs.sh): start_emulator LABEL [ARGS…]
# starts the built emulator with an HTTP and a TLS listener on free ports and the state file $STATE
# (ARGS are added to `start`), logs to $WORK/emulator.log, stops it and removes $WORK on exit, and
# sets PID, URL and HTTPS_URL; it exits 1 with the log when the emulator did not start.
start_emulator() {
  local label="$1"
  shift
  node "$ROOT/dist/kms-emulator.cjs" start --port 0 --https-port 0 --state "$STATE" "$@" >"$WORK/emulator.log" 2>&1 &
  PID=$!
  trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
  for _ in $(seq 1 300); do
    grep -q '"httpsUrl"' "$WORK/emulator.log" && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  HTTPS_URL="$(grep -o '"httpsUrl":"[^"]*"' "$WORK/emulator.log" | head -n1 | cut -d'"' -f4 || true)"
  URL="$(grep -o '"url":"[^"]*"' "$WORK/emulator.log" | head -n1 | cut -d'"' -f4 || true)"
  if [ -z "$HTTPS_URL" ] || [ -z "$URL" ]; then
    cat "$WORK/emulator.log" >&2
    echo "$label: the emulator did not start" >&2
    exit 1
  fi
}

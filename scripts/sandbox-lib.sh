# Shared by scripts/demo, scripts/test and scripts/bench: start a sandbox in
# the background and wait until it prints its URL. Sourced, not run.

# start_sandbox BINARY LOGFILE [serve options…] — sets SANDBOX_PID, SANDBOX_URL, SANDBOX_PORT
start_sandbox() {
  local binary="$1" log="$2"
  shift 2
  "$binary" sandbox serve --port 0 "$@" >"$log" 2>&1 &
  SANDBOX_PID=$!
  for _ in $(seq 1 300); do
    if grep -q "base URL" "$log" 2>/dev/null; then break; fi
    if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
      printf 'the sandbox did not start:\n' >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  SANDBOX_URL=$(awk '/base URL/ {print $3; exit}' "$log")
  SANDBOX_PORT=$(printf '%s' "$SANDBOX_URL" | sed -E 's#^http://[^:]+:([0-9]+)/.*#\1#')
  [ -n "$SANDBOX_URL" ] || { printf 'the sandbox printed no URL\n' >&2; return 1; }
}

stop_sandbox() {
  if [ -n "${SANDBOX_PID:-}" ]; then
    kill "$SANDBOX_PID" 2>/dev/null || true
    wait "$SANDBOX_PID" 2>/dev/null || true
    SANDBOX_PID=""
  fi
}

#!/usr/bin/env bash
# One command: install what the demo needs, build tierd and the simulator,
# and run them.
#
# Without helpdesk credentials it runs the demo: the bundled simulator
# (zendesk-sim or freshdesk-sim --demo builtin) creates agents, groups and a
# stream of tickets; tierd (config/demo.json or config/demo-freshdesk.json:
# tier 1 = 30 s, tier 2 = 60 s, urgent tickets 15 s) escalates the ones
# nobody solves and writes notes. Each escalation and write is shown as it
# happens; at the end tierd stops and the timeline of an escalated ticket is
# printed (tierd explain). Both programs' full logs are in var/.
#   DEMO_VENDOR=zendesk   the helpdesk to simulate: zendesk or freshdesk
#   DEMO_SECONDS=120   how long the demo runs (0: until Ctrl-C)
#   TIERD_JOBS=2       parallel compile jobs
#   TIERD_BUILD_DIR=build   where to build
#
# With TIERD_CONFIG=/path/to/tierd.jsonc (and the environment variables it
# names for the API token and webhook secret) it runs `tierd serve` against
# your real account instead.
set -euo pipefail
cd "$(dirname "$0")/.."
vendor="${DEMO_VENDOR:-zendesk}"
case "$vendor" in
  zendesk) demo_config=config/demo.json ;;
  freshdesk) demo_config=config/demo-freshdesk.json ;;
  *)
    echo "demo: DEMO_VENDOR must be zendesk or freshdesk, not \"$vendor\"" >&2
    exit 2
    ;;
esac
sim_name="$vendor-sim"
./scripts/install-deps.sh

# Only the two programs, each library compiled as one unit, no debug info:
# the quickest build from a fresh clone. Ninja compiles a library's unit
# while the ones it links are still compiling (make waits for them); an
# existing build folder keeps its generator. ccache makes a second build
# quicker.
build="${TIERD_BUILD_DIR:-build}"
generator=()
[ -f "$build/CMakeCache.txt" ] || generator=(-G Ninja)
started=$SECONDS
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DTIERD_UNITY_BUILD=ON \
  -DTIERD_BUILD_TESTS=OFF -DTIERD_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"${TIERD_JOBS:-2}" --target tierd "$sim_name"
echo "== built $build/tierd and $build/$sim_name in $((SECONDS - started)) s"

if [ -n "${TIERD_CONFIG:-}" ]; then
  exec "$build/tierd" serve --config "$TIERD_CONFIG"
fi

# Every process started here is stopped on the way out, by its own pid,
# however the script ends (the end of the demo, Ctrl-C, an error).
pids=()
stop() {  # PID...: SIGTERM, then SIGKILL after 10 s
  local pid i
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for i in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
cleanup() {
  trap - EXIT INT TERM
  [ ${#pids[@]} -eq 0 ] || stop "${pids[@]}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits until `file` contains `text`; fails if `pid` exits first or 15 s pass.
await_line() {  # PID FILE TEXT
  local i
  for i in $(seq 150); do
    grep -q "$3" "$2" 2>/dev/null && return 0
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  echo "demo: $(basename "$2" .log) did not start; the end of $2:" >&2
  tail -n 20 "$2" >&2
  exit 1
}

export TIERD_ZENDESK_TOKEN=demo-token TIERD_FRESHDESK_KEY=demo-key
export TIERD_WEBHOOK_SECRET=demo-webhook-secret
mkdir -p var
db=$(sed -n 's/.*"path": "\([^"]*\)".*/\1/p' "$demo_config")
rm -f "$db" "$db-wal" "$db-shm"
if [ "$vendor" = freshdesk ]; then
  # The simulator's first tickets come before tierd listens. Freshdesk
  # retries a failed delivery after 5, 30 and 60 minutes, holding the later
  # ones meanwhile; the demo retries within seconds.
  "$build/freshdesk-sim" --port 8081 --api-key "$TIERD_FRESHDESK_KEY" \
    --webhook-secret "$TIERD_WEBHOOK_SECRET" --webhook-url http://127.0.0.1:8080/webhooks/freshdesk \
    --webhook-retry-delays-ms 1000 2000 5000 --demo builtin >"var/$sim_name.log" 2>&1 &
else
  "$build/zendesk-sim" --port 8081 --token "$TIERD_ZENDESK_TOKEN" \
    --webhook-secret "$TIERD_WEBHOOK_SECRET" --webhook-url http://127.0.0.1:8080/webhooks/zendesk \
    --demo builtin >"var/$sim_name.log" 2>&1 &
fi
sim=$!
pids+=("$sim")
await_line "$sim" "var/$sim_name.log" "listening on"
"$build/tierd" serve --config "$demo_config" >var/tierd.log 2>&1 &
tierd=$!
pids+=("$tierd")
await_line "$tierd" var/tierd.log "tierd listening on"

seconds="${DEMO_SECONDS:-120}"
echo "== tierd and the simulator are running (logs in var/); tier 1's budget is 30 s, 15 s for"
echo "   urgent tickets, so the first escalations come within a minute:"
# Only tierd's actions, as they happen; this view ends when tierd does.
tail -n +1 -F --pid="$tierd" var/tierd.log 2>/dev/null | grep --line-buffered "action=" &
view=$!
pids+=("$view")

if [ "$seconds" = 0 ]; then
  wait "$tierd"
  exit
fi
sleep "$seconds"
# tierd stops before the timeline is read: its log ends here, and the
# timeline is of a store nobody writes to any more.
stop "$tierd"
wait "$view" 2>/dev/null || true
echo
echo "== escalations written by tierd in ${seconds} s: $(grep -c "action=escalate" var/tierd.log || true)"
ticket=$(grep -o "ticket=[0-9]* event=[^ ]* action=escalate" var/tierd.log | head -1 |
  sed 's/ticket=\([0-9]*\).*/\1/')
if [ -n "$ticket" ]; then
  echo "== the timeline of ticket $ticket ($build/tierd explain --config $demo_config $ticket):"
  "$build/tierd" explain --config "$demo_config" "$ticket"
fi

#!/usr/bin/env bash
# One command: install dependencies, build, and run tierd.
#
# Without helpdesk credentials it runs the demo: the bundled Zendesk
# simulator (zendesk-sim --demo builtin) creates agents, groups and a stream
# of tickets; tierd (config/demo.json: tier 1 = 30 s, tier 2 = 60 s) escalates
# the ones nobody solves and writes notes. Each escalation is logged as
# "action=escalate"; at the end the timeline of an escalated ticket is printed.
#   DEMO_SECONDS=120   how long the demo runs (0: until Ctrl-C)
#
# With TIERD_CONFIG=/path/to/tierd.json (and the environment variables it
# names for the API token and webhook secret) it runs `tierd serve` against
# your real account instead.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${TIERD_JOBS:-2}" --target tierd zendesk-sim

if [ -n "${TIERD_CONFIG:-}" ]; then
  exec ./build/tierd serve --config "$TIERD_CONFIG"
fi

export TIERD_ZENDESK_TOKEN=demo-token
export TIERD_WEBHOOK_SECRET=demo-webhook-secret
mkdir -p var
rm -f var/demo.db var/demo.db-wal var/demo.db-shm
./build/zendesk-sim --port 8081 --token "$TIERD_ZENDESK_TOKEN" --webhook-secret "$TIERD_WEBHOOK_SECRET" \
  --webhook-url http://127.0.0.1:8080/webhooks/zendesk --demo builtin >var/zendesk-sim.log 2>&1 &
sim=$!
./build/tierd serve --config config/demo.json 2>&1 | tee var/tierd.log &
tierd=$!
cleanup() { kill "$sim" "$tierd" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

seconds="${DEMO_SECONDS:-120}"
if [ "$seconds" = 0 ]; then
  wait "$tierd"
else
  sleep "$seconds"
  echo
  echo "== escalations written by tierd in ${seconds}s:"
  grep -c "action=escalate" var/tierd.log || true
  ticket=$(grep -o "ticket=[0-9]* event=[^ ]* action=escalate" var/tierd.log | head -1 | sed 's/ticket=\([0-9]*\).*/\1/')
  if [ -n "$ticket" ]; then
    echo "== the timeline of ticket $ticket (tierd explain):"
    ./build/tierd explain --config config/demo.json "$ticket"
  fi
fi

#!/usr/bin/env bash
# Runs the libFuzzer targets over webhook authentication and payload parsing
# for a bounded time each (default 60 s): Zendesk's seeded with
# fuzz/corpus/webhook, Freshdesk's with fuzz/corpus/freshdesk_webhook.
# Needs clang 14 (scripts/debian-packages.txt installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
cmake -S fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DTIERD_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build build-fuzz -j"${TIERD_JOBS:-2}"
cmake --build build-fuzz --target webhook_fuzz_run
cmake --build build-fuzz --target freshdesk_webhook_fuzz_run

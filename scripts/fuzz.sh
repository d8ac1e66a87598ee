#!/usr/bin/env bash
# Runs the libFuzzer target over webhook signature verification and payload
# parsing for a bounded time (default 60 s), seeded with fuzz/corpus/webhook.
# Needs clang 14 (scripts/debian-packages.txt installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
cmake -S fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DTIERD_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build build-fuzz -j"${TIERD_JOBS:-2}"
cmake --build build-fuzz --target webhook_fuzz_run

#!/usr/bin/env bash
# Builds tierd and runs the whole test suite (CTest): once in an optimised
# build (after clang-tidy over its sources, which also checks the locking),
# once under AddressSanitizer + UBSan, then the webhook fuzzers for a bounded
# time, and last the README's first command, the demo, for a short run.
# The optimised build also runs the benchmarks' quick mode (scripts/bench.sh)
# after its tests: figures for the log, no timing is asserted.
# Installs missing Debian packages first.
#   TIERD_BENCH=quick      scripts/bench.sh mode after the tests (off skips it)
#   TIERD_FUZZ_SECONDS=60  how long each fuzzer runs (0 skips them)
#   TIERD_DEMO_SECONDS=45  how long the demo runs (0 skips it)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test
jobs="${TIERD_JOBS:-2}"

# Explicit, because the demo configures a build folder its own way.
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTIERD_WERROR=ON -DTIERD_UNITY_BUILD=OFF \
  -DTIERD_BUILD_TESTS=ON -DTIERD_BUILD_BENCH=ON
cmake --build build -j"$jobs"
# The checks in .clang-tidy over src/ and sim/ (about 3 minutes on 2 cores),
# Clang's thread-safety analysis of the locking among them.
TIERD_JOBS="$jobs" ./scripts/clang-tidy.sh build
ctest --test-dir build -j"$jobs" --output-on-failure
# The crash harness's summary (kill cycles, events, escalations checked).
grep -h "^crash harness: cycles=.*killing_took" build/Testing/Temporary/LastTest.log || true
bench_mode="${TIERD_BENCH:-quick}"
if [ "$bench_mode" != off ]; then
  # A failing benchmark program is reported, not fatal: the suite above is the gate.
  TIERD_JOBS="$jobs" ./scripts/bench.sh "$bench_mode" build ||
    echo "scripts/bench.sh: a benchmark failed, see build/bench-logs/"
fi

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTIERD_SANITIZE=ON -DTIERD_BUILD_BENCH=OFF \
  -DTIERD_WERROR=ON
cmake --build build-asan -j"$jobs"
# Without the second, PostgreSQL run of the engine and end-to-end tests
# ("pg:", see tests/CMakeLists.txt): the same code paths in tierd are covered
# here on SQLite, the PostgreSQL store's own code by the store tests, and the
# pg: run (a few minutes, mostly waiting on real time) is done above.
# The optimised run above kills each simulator's tierd 200 times; half as
# many here, where each cycle costs twice the time, keeps the stage bounded.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 TIERD_CRASH_CYCLES=100 \
  ctest --test-dir build-asan -j"$jobs" --output-on-failure -E '^pg:'
grep -h "^crash harness: cycles=.*killing_took" build-asan/Testing/Temporary/LastTest.log || true

fuzz_seconds="${TIERD_FUZZ_SECONDS:-60}"
if [ "$fuzz_seconds" -gt 0 ]; then
  ./scripts/fuzz.sh "$fuzz_seconds"
fi

# The demo builds its own way (one unit per library, see TIERD_UNITY_BUILD)
# and must escalate a ticket and exit by itself.
demo_seconds="${TIERD_DEMO_SECONDS:-45}"
if [ "$demo_seconds" -gt 0 ]; then
  mkdir -p var
  TIERD_BUILD_DIR=build-demo DEMO_SECONDS="$demo_seconds" ./scripts/demo.sh | tee var/demo.log
  grep -q "action=escalate" var/demo.log
  grep -q "^== the timeline of ticket" var/demo.log
fi

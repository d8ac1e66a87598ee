#!/usr/bin/env bash
# Runs every benchmark in bench/ and prints one table of their figures
# (name, figure, unit), with the commit, the date and the load average.
#   scripts/bench.sh [quick|full] [BUILD_DIR]   (default: quick build)
# quick: smaller sizes and short runs, under 2 minutes on 2 cores once built
#   (CI prints it; the figures are for the log, nothing is asserted).
# full: the sizes bench/README.md quotes (about 5 minutes on 2 cores).
# Each program's whole output is kept in BUILD_DIR/bench-logs/. A program
# that fails shows as FAILED in the table and makes the script exit 1.
#   TIERD_JOBS=2  parallel build jobs
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-quick}"
build="${2:-build}"
case "$mode" in
  quick | full) ;;
  *)
    echo "usage: scripts/bench.sh [quick|full] [BUILD_DIR]" >&2
    exit 2
    ;;
esac

benches=(calendar_bench engine_bench ingest_bench report_bench simulate_bench store_bench
  storm_bench)
cmake --build "$build" -j"${TIERD_JOBS:-2}" --target "${benches[@]}" zendesk-sim freshdesk-sim tierd \
  >/dev/null
# replica_bench needs libpqxx and the tests' harness (TIERD_BUILD_TESTS):
# without them it is left out, not failed.
replica_bench=0
if cmake --build "$build" -j"${TIERD_JOBS:-2}" --target replica_bench >/dev/null 2>&1 &&
  [ -x "$build/replica_bench" ]; then
  replica_bench=1
fi
for b in "${benches[@]}"; do
  if [ ! -x "$build/$b" ]; then
    echo "$build/$b is missing (is libbenchmark-dev installed?)" >&2
    exit 1
  fi
done

if [ "$mode" = quick ]; then
  gbench_args=(--benchmark_min_time=0.05)
  clocks=50000 lateness=2000 ingest_args=(--seconds 1 --rounds 2) simulate_events=20000
  storm_tickets=500 storm_freshdesk_tickets=30 report_tickets=5000
  # About 10 s: the cross-replica latency alone (PostgreSQL, 3 replicas).
  replica_args=(--runs latency --samples 50)
else
  gbench_args=(--benchmark_repetitions=3 --benchmark_report_aggregates_only=true)
  clocks=1000000 lateness=20000 ingest_args=(--seconds 5 --rounds 3) simulate_events=100000
  storm_tickets=10000 storm_freshdesk_tickets=100 report_tickets=100000
  replica_args=(--seconds 5 --storm-tickets 10000 --samples 300)
fi

logs="$build/bench-logs"
mkdir -p "$logs"
rows=()
failed=0
row() { rows+=("$(printf '%-52s %12s  %s' "$1" "$2" "$3")"); }

# Runs one program, its output to $logs/NAME.log; false when it failed.
run() {
  local name="$1"
  shift
  if ! "$@" >"$logs/$name.log" 2>&1; then
    row "$name" FAILED "see $logs/$name.log"
    failed=1
    return 1
  fi
}

# The first match of the extended regex $2 in $logs/$1.log, group $3.
pick() {
  sed -nE "s#$2#\\$3#p" "$logs/$1.log" | head -n 1
}

# Google Benchmark programs: one row per benchmark (median with repetitions).
gbench() {
  local name="$1"
  run "$name" "$build/$name" "${gbench_args[@]}" --benchmark_format=csv || return 0
  while IFS=, read -r bench _ real cpu unit _ items _; do
    bench="${bench//\"/}"
    case "$bench" in name | *_mean | *_stddev | *_cv) continue ;; esac
    bench="${bench%_median}"
    bench="${bench%/real_time}"
    if [ -n "$items" ]; then
      row "$name ${bench}" "$(printf '%.0f' "$items")" "items/s"
    else
      row "$name ${bench}" "$(printf '%.3g' "$cpu")" "$unit CPU"
    fi
  done < <(grep -E '^("|name,)' "$logs/$name.log")
}

start=$(date +%s)
gbench calendar_bench
gbench store_bench

if run engine_clocks "$build/engine_bench" clocks "$clocks"; then
  row "engine restart: $clocks clocks reloaded" \
    "$(pick engine_clocks 'restart: .* reloaded in ([0-9.]+) s.*' 1)" s
  row "engine restart: process RSS" "$(pick engine_clocks '.*RSS ([0-9.]+) MB.*' 1)" MB
fi
if run engine_lateness "$build/engine_bench" lateness "$lateness"; then
  row "engine lateness over $lateness deadlines: p99" \
    "$(pick engine_lateness '.*p99 ([0-9.]+) ms.*' 1)" ms
fi

if run ingest "$build/ingest_bench" "${ingest_args[@]}"; then
  row "ingest: durable ceiling (append+fdatasync)" \
    "$(pick ingest '^durable ceiling: append\+fdatasync +[0-9]+ +[0-9]+ +([0-9]+).*' 1)" events/s
  row "ingest: tierd, SQLite FULL" \
    "$(pick ingest '^ingest, SQLite FULL \(closed loop\) +[0-9]+ +[0-9]+ +([0-9]+).*' 1)" events/s
  row "ingest: tierd / durable ceiling" "$(pick ingest '^ingest / durable ceiling: ([0-9.]+).*' 1)" \
    ratio
  row "ingest: p99 ack at 1,000/s" "$(pick ingest '^p99 ack at [0-9]+/s: ([0-9.]+) ms.*' 1)" ms
fi

if run simulate "$build/simulate_bench" "$simulate_events"; then
  row "simulate: $simulate_events events, read+simulate+report" \
    "$(pick simulate '.*total: ([0-9.]+) s.*' 1)" s
fi

if run report "$build/report_bench" "$report_tickets"; then
  row "report: tierd report over $report_tickets tickets" \
    "$(pick report '^tierd report over .*: ([0-9.]+) s, .*' 1)" s
  row "report: peak RSS" "$(pick report '^tierd report over .* peak RSS ([0-9.]+) MB.*' 1)" MB
fi

if run storm "$build/storm_bench" "$storm_tickets"; then
  row "storm: $storm_tickets escalations drained" "$(pick storm '.*drain time .*: ([0-9.]+) s.*' 1)" s
  row "storm: API requests per ticket" \
    "$(pick storm '.*API requests received .*\(([0-9.]+) per escalated ticket\).*' 1)" calls
fi

# Freshdesk sends every ticket alone within tierd's Update Ticket budget
# (64/min), so the storm is small: the figure is the calls per ticket.
if run storm_freshdesk "$build/storm_bench" freshdesk "$storm_freshdesk_tickets"; then
  row "storm freshdesk: $storm_freshdesk_tickets escalations drained" \
    "$(pick storm_freshdesk '.*drain time .*: ([0-9.]+) s.*' 1)" s
  row "storm freshdesk: API requests per ticket" \
    "$(pick storm_freshdesk '.*API calls per escalated ticket: ([0-9.]+) against.*' 1)" calls
  row "storm freshdesk: floor (a note each, bulk_update)" \
    "$(pick storm_freshdesk '.*API calls per escalated ticket: [0-9.]+ against the floor.s ([0-9.]+) .*' 1)" \
    calls
fi

if [ "$replica_bench" = 1 ] && run replicas "$build/replica_bench" "${replica_args[@]}"; then
  if [ "$mode" = full ]; then
    row "replicas: ingest 1 replica" "$(pick replicas '^ingest, 1 replica: .* ([0-9]+) events/s.*' 1)" \
      events/s
    row "replicas: ingest 3 replicas" \
      "$(pick replicas '^ingest, 3 replicas: .* ([0-9]+) events/s.*' 1)" events/s
    row "replicas: ingest 3 / 1" "$(pick replicas '^ingest 3 replicas / 1 replica: ([0-9.]+).*' 1)" \
      ratio
    row "replicas: storm drain 1 replica" \
      "$(pick replicas '^storm, 1 replica: drain time ([0-9.]+) s.*' 1)" s
    row "replicas: storm drain 3 replicas" \
      "$(pick replicas '^storm, 3 replicas: drain time ([0-9.]+) s.*' 1)" s
    row "replicas: storm drain 1 / 3" \
      "$(pick replicas '^storm drain 1 replica / 3 replicas: ([0-9.]+).*' 1)" ratio
  fi
  row "replicas: decision on another replica: p50" \
    "$(pick replicas '^latency, [^(]* p50 ([0-9.]+) ms p99.*' 1)" ms
  row "replicas: decision on another replica: p99" \
    "$(pick replicas '^latency, [^(]* p99 ([0-9.]+) ms max.*' 1)" ms
fi

echo
echo "benchmarks ($mode) at $(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  "on $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "$(($(date +%s) - start)) s"
printf '%-52s %12s  %s\n' name figure unit
printf '%s\n' "${rows[@]}"
exit "$failed"

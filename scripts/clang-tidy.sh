#!/usr/bin/env bash
# Runs clang-tidy with the checks in .clang-tidy over every source file of
# src/, sim/ and tests/support/ that a build compiles, using that build's
# compile_commands.json. Prints the findings and exits non-zero if there are
# any.
#   scripts/clang-tidy.sh [BUILD_DIR]       default: build
#   TIERD_JOBS=2                            files checked at once
#   TIERD_TIDY_BASE=main                    only the .cpp files changed since
#                                           that commit (faster while iterating)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
jobs="${TIERD_JOBS:-2}"

tidy="$(command -v clang-tidy-14 || command -v clang-tidy || true)"
if [ -z "$tidy" ]; then
  echo "clang-tidy.sh: clang-tidy not found (Debian package clang-tidy)" >&2
  exit 2
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "clang-tidy.sh: no $build/compile_commands.json; configure that build first" >&2
  exit 2
fi

# The translation units the build knows, restricted to src/, sim/ and the
# test harness (tests/support/, which runs real processes and threads).
mapfile -t files < <(sed -n 's/^ *"file": "\(.*\)",\{0,1\}$/\1/p' "$build/compile_commands.json" |
  grep -E "^$PWD/(src|sim|tests/support)/" | sort -u)
if [ -n "${TIERD_TIDY_BASE:-}" ]; then
  mapfile -t changed < <(git diff --name-only "$TIERD_TIDY_BASE" -- src sim tests/support | sed "s|^|$PWD/|")
  mapfile -t files < <(comm -12 <(printf '%s\n' "${files[@]}") <(printf '%s\n' "${changed[@]}" | sort -u))
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "clang-tidy: no files to check"
  exit 0
fi

# The build compiles with GCC, whose warning flags clang does not all know.
# Each file's output is printed whole, so parallel runs do not interleave.
status=0
printf '%s\0' "${files[@]}" | xargs -0 -P "$jobs" -n 1 sh -c '
  out=$("$0" -p "$1" --quiet --extra-arg=-Wno-unknown-warning-option "$2" 2>&1)
  rc=$?
  printf "%s\n" "$out" | grep -v -E "^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed|^Use -header-filter|^$" || true
  exit $rc
' "$tidy" "$build" || status=$?

if [ "$status" -ne 0 ]; then
  echo "clang-tidy: findings above (checks in .clang-tidy)" >&2
  exit 1
fi
echo "clang-tidy: ${#files[@]} files clean"

#!/usr/bin/env bash
# Installs the Debian 12 packages tierd needs to build, package and run
# (scripts/debian-packages-build.txt); with --test every package the test
# suite needs as well (scripts/debian-packages.txt, the list CI installs).
# Installs only what is missing. Needs root (or sudo).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
list="$here/debian-packages-build.txt"
# Recommends would pull in much more than a build needs (documentation,
# compilers' extras); the test tools keep theirs, as CI installs them.
options=(--no-install-recommends)
if [ "${1:-}" = "--test" ]; then
  list="$here/debian-packages.txt"
  options=()
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
mapfile -t packages < <(grep -v '^\s*#' "$list" | grep -v '^\s*$')
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${options[@]}" "${missing[@]}"
fi

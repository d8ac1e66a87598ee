#!/usr/bin/env bash
# Checks a tierd.service as installed: its own user, the hardening, the
# reload that checks the config first, nothing left unsubstituted, and what
# systemd-analyze says of its syntax.
#   check_unit.sh UNIT_FILE
set -euo pipefail
unit="$1"
fail() { echo "FAIL: $unit: $*" >&2; exit 1; }
for directive in User=tierd Group=tierd ProtectSystem=strict StateDirectory=tierd \
                 StateDirectoryMode=0750 NoNewPrivileges=yes Restart=on-failure \
                 "ExecReload=/bin/kill -HUP \$MAINPID"; do
  grep -qxF "$directive" "$unit" || fail "lacks $directive"
done
grep -q "^Documentation=man:tierd(1) " "$unit" || fail "does not point at man:tierd(1)"
grep -q "^DynamicUser=" "$unit" && fail "still asks for a dynamic user"
grep -q "@" <(grep -v "SystemCallFilter=@" "$unit") && fail "has an unsubstituted @VARIABLE@"
if command -v systemd-analyze >/dev/null 2>&1; then
  # Only the unit's own syntax: the binary it names and its user need not exist here.
  out="$(systemd-analyze verify "$unit" 2>&1 || true)"
  if grep -v "is not executable\|No such file\|Failed to prepare\|not found\|user" <<<"$out" |
    grep -i "unknown\|invalid\|error" >/dev/null; then
    fail "systemd-analyze verify: $out"
  fi
fi

#!/usr/bin/env bash
# Checks what an admin gets from `cmake --install` and from the .deb:
# the binary, the example config and its schema, and a hardened systemd unit
# whose paths point at the installed binary.
#   check_install.sh BUILD_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

prefix="$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")"
DESTDIR="$work/root" cmake --install "$build" >/dev/null
root="$work/root$prefix"
for f in bin/tierd libexec/tierd/zendesk-sim share/tierd/tierd.example.jsonc share/tierd/demo.json \
         share/tierd/tierd.schema.json share/tierd/plugin_manifest/manifest.json \
         lib/systemd/system/tierd.service share/doc/tierd/README.md; do
  [ -e "$root/$f" ] || fail "cmake --install did not install $f"
done
"$root/bin/tierd" version >/dev/null || fail "the installed tierd does not run"

unit="$root/lib/systemd/system/tierd.service"
grep -q "^ExecStart=$prefix/bin/tierd serve --config /etc/tierd/tierd.jsonc$" "$unit" \
  || fail "ExecStart does not name the installed binary: $(grep ^ExecStart= "$unit")"
for directive in DynamicUser=yes ProtectSystem=strict StateDirectory=tierd NoNewPrivileges=yes \
                 Restart=on-failure "ExecReload=/bin/kill -HUP \$MAINPID"; do
  grep -qxF "$directive" "$unit" || fail "the unit lacks $directive"
done
grep -q "@" <(grep -v "SystemCallFilter=@" "$unit") && fail "unsubstituted @VARIABLE@ in the unit"
if command -v systemd-analyze >/dev/null 2>&1; then
  # Only the unit's own syntax: the binary it names is not installed here.
  out="$(systemd-analyze verify "$unit" 2>&1 || true)"
  if echo "$out" | grep -v "is not executable\|No such file\|Failed to prepare\|not found" | grep -qi "unknown\|invalid\|error"; then
    fail "systemd-analyze verify: $out"
  fi
fi

# The Debian package: same files, shared-library dependencies, the postinst.
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/deb" >/dev/null) \
  || fail "cpack -G DEB failed"
deb="$(ls "$work"/deb/tierd_*.deb 2>/dev/null | head -1)"
[ -n "$deb" ] || fail "cpack made no tierd_*.deb"
contents="$(dpkg-deb -c "$deb")"
for f in "bin/tierd" "lib/systemd/system/tierd.service" "share/tierd/tierd.schema.json"; do
  echo "$contents" | grep -q "\.$prefix/$f\$" || fail "the .deb lacks $prefix/$f"
done
depends="$(dpkg-deb -f "$deb" Depends)"
echo "$depends" | grep -q "libsqlite3" || fail "the .deb does not depend on libsqlite3: $depends"
dpkg-deb -e "$deb" "$work/control"
[ -x "$work/control/postinst" ] || fail "the .deb has no executable postinst"
sh -n "$work/control/postinst" || fail "the postinst is not valid sh"
echo "install and .deb ok: $(basename "$deb")"

#!/usr/bin/env bash
# What an admin gets from `cmake --install` and from the .deb:
#  1. `cmake --install` into a DESTDIR: the files, a unit whose paths name the
#     prefix, and an admin's existing config left alone;
#  2. `cpack -G DEB`: a package under /usr (one under /usr/local is refused),
#     stripped binaries, the control data, and no lintian error or warning;
#  3. the package installed into a throwaway root (dpkg --root, the
#     maintainer scripts run outside it with DPKG_ROOT): files, modes, the
#     system user and the unit; then an upgrade that keeps the admin's
#     config, a removal and a purge.
#   check_install.sh BUILD_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
version="$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")"

# --- 1. cmake --install ---------------------------------------------------
prefix="$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")"
DESTDIR="$work/dest" cmake --install "$build" >/dev/null
root="$work/dest$prefix"
for f in bin/tierd libexec/tierd/zendesk-sim libexec/tierd/freshdesk-sim share/tierd/tierd.example.jsonc \
         share/tierd/demo.json share/tierd/demo-freshdesk.json \
         share/tierd/tierd.schema.json share/tierd/plugin_manifest/manifest.json \
         share/tierd/monitoring/tierd-alerts.yml share/tierd/monitoring/tierd-dashboard.json \
         share/bash-completion/completions/tierd share/man/man1/tierd.1.gz \
         share/man/man1/tierd-explain.1.gz share/doc/tierd/README.md share/doc/tierd/copyright \
         share/doc/tierd/changelog.gz share/doc/tierd/CHANGELOG.md \
         share/doc/tierd/examples/shadow-first.jsonc \
         share/doc/tierd/examples/team-example.jsonc share/doc/tierd/examples/sample-events.jsonl; do
  [ -e "$root/$f" ] || fail "cmake --install did not install $f"
done
[ -e "$work/dest/etc/tierd/tierd.jsonc" ] || fail "cmake --install did not put a config in /etc/tierd"
[ "$("$root/bin/tierd" --version)" = "tierd $version" ] || fail "the installed tierd does not run"

unit_dir="$root/lib/systemd/system"
[ "$prefix" = /usr ] && unit_dir="$work/dest/lib/systemd/system"
unit="$unit_dir/tierd.service"
[ -f "$unit" ] || fail "no unit at $unit"
grep -q "^ExecStart=$prefix/bin/tierd serve --config /etc/tierd/tierd.jsonc$" "$unit" \
  || fail "ExecStart does not name the installed binary: $(grep ^ExecStart= "$unit")"
bash "$here/check_unit.sh" "$unit" || fail "the unit installed by cmake --install"

# A second install keeps the admin's config.
echo '{"mine": true}' >"$work/dest/etc/tierd/tierd.jsonc"
DESTDIR="$work/dest" cmake --install "$build" >/dev/null
grep -q mine "$work/dest/etc/tierd/tierd.jsonc" || fail "cmake --install overwrote the config"

# --- 2. the .deb ----------------------------------------------------------
cpack_in() {  # DIR [cpack args...]
  local dir="$1"
  shift
  mkdir -p "$dir"
  (cd "$dir" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$dir" "$@")
}
cpack_in "$work/deb" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log" >&2; fail "cpack -G DEB failed"; }
deb="$(ls "$work"/deb/tierd_*.deb 2>/dev/null | head -1 || true)"
[ -n "$deb" ] || fail "cpack made no tierd_*.deb"
[ "$(basename "$deb")" = "tierd_${version}_$(dpkg --print-architecture).deb" ] \
  || fail "unexpected package name $(basename "$deb")"

if cpack_in "$work/deb-local" -D CPACK_PACKAGING_INSTALL_PREFIX=/usr/local >"$work/local.log" 2>&1 \
  || ! grep -q "refusing to build a .deb that installs under /usr/local" "$work/local.log"; then
  cat "$work/local.log" >&2
  fail "a .deb under /usr/local was not refused"
fi

contents="$(dpkg-deb -c "$deb")"
grep -q "/usr/local" <<<"$contents" && fail "the .deb installs under /usr/local"
for f in ./usr/bin/tierd ./usr/libexec/tierd/zendesk-sim ./usr/libexec/tierd/freshdesk-sim \
         ./usr/share/tierd/demo-freshdesk.json ./lib/systemd/system/tierd.service \
         ./etc/tierd/tierd.jsonc ./usr/share/man/man1/tierd.1.gz ./usr/share/man/man1/tierd-serve.1.gz \
         ./usr/share/doc/tierd/copyright ./usr/share/doc/tierd/changelog.gz \
         ./usr/share/bash-completion/completions/tierd ./usr/share/tierd/monitoring/tierd-alerts.yml; do
  grep -q " $f\$" <<<"$contents" || fail "the .deb lacks $f"
done
grep -q "^-rwxr-xr-x root/root .* ./usr/bin/tierd$" <<<"$contents" || fail "/usr/bin/tierd is not 0755 root"
grep -q "^-rw-r--r-- root/root .* ./etc/tierd/tierd.jsonc$" <<<"$contents" || fail "the conffile is not 0644 root"
dpkg-deb -x "$deb" "$work/unpacked"
for binary in usr/bin/tierd usr/libexec/tierd/zendesk-sim usr/libexec/tierd/freshdesk-sim; do
  grep -q "\.debug_info\|\.symtab" <<<"$(readelf -S "$work/unpacked/$binary")" && fail "$binary is not stripped"
done

for field in Package:tierd Section:net Priority:optional; do
  [ "$(dpkg-deb -f "$deb" "${field%%:*}")" = "${field#*:}" ] || fail "control field ${field%%:*}"
done
depends="$(dpkg-deb -f "$deb" Depends)"
for dep in ca-certificates passwd libsqlite3 libssl3; do
  grep -q "$dep" <<<"$depends" || fail "the .deb does not depend on $dep: $depends"
done
dpkg-deb -e "$deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = /etc/tierd/tierd.jsonc ] || fail "conffiles: $(cat "$work/control/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "the .deb has no executable $script"
  sh -n "$work/control/$script" || fail "$script is not valid sh"
done

# lintian: no error, no warning (overrides, each with its reason, ship in the package).
lintian --fail-on error,warning --no-tag-display-limit "$deb" >"$work/lintian.log" 2>&1 \
  || { grep -v "running with root privileges" "$work/lintian.log" >&2; fail "lintian"; }

# --- 3. installed into a throwaway root -------------------------------------
# dpkg needs its database and the target system's user files; the maintainer
# scripts run on this host with DPKG_ROOT pointing at the root. Without root
# privileges, fakeroot stands in for the chowns.
dpkg_root="$work/root"
mkdir -p "$dpkg_root"/var/lib/dpkg/{info,updates,triggers} "$dpkg_root/etc"
touch "$dpkg_root/var/lib/dpkg/status" "$dpkg_root/var/lib/dpkg/available"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$dpkg_root/etc/passwd"
printf 'root:x:0:\n' >"$dpkg_root/etc/group"
printf 'root:*:19000:0:99999:7:::\n' >"$dpkg_root/etc/shadow"
printf 'root:*::\n' >"$dpkg_root/etc/gshadow"
as_root=()
[ "$(id -u)" = 0 ] || as_root=(fakeroot --)
"${as_root[@]}" bash "$here/check_dpkg_root.sh" "$deb" "$dpkg_root" "$version" \
  || fail "the package in a throwaway root"

echo "install and .deb ok: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
